/** NOTIFICATION (RFC 4271 §4.5): code, subcode, data; the connection closes right after. */
import { Either } from "effect"
import type { BgpMessageError } from "./errors.js"
import { HEADER_LENGTH, MessageType, writeHeader } from "./header.js"

export interface Notification {
  readonly code: number
  readonly subcode: number
  readonly data: Uint8Array
}

export const encodingLength = (n: Notification): number => HEADER_LENGTH + 2 + n.data.length

/** Data that would not fit one message is cut: a NOTIFICATION must still go out. */
export const encode = (n: Notification): Uint8Array => {
  const data = n.data.subarray(0, 4096 - HEADER_LENGTH - 2)
  const length = HEADER_LENGTH + 2 + data.length
  const buf = new Uint8Array(length)
  writeHeader(buf, 0, length, MessageType.Notification)
  buf[HEADER_LENGTH] = n.code
  buf[HEADER_LENGTH + 1] = n.subcode
  buf.set(data, HEADER_LENGTH + 2)
  return buf
}

/** Every code/subcode is accepted: a peer's NOTIFICATION is reported, never answered. */
export const decode = (bytes: Uint8Array): Either.Either<Notification, BgpMessageError> =>
  Either.right({ code: bytes[HEADER_LENGTH]!, subcode: bytes[HEADER_LENGTH + 1]!, data: bytes.slice(HEADER_LENGTH + 2) })

export const fromError = (e: BgpMessageError): Notification => ({ code: e.code, subcode: e.subcode, data: e.data })
