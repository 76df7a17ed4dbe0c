/**
 * The fixed 19-byte message header (RFC 4271 §4.1): a 16-byte all-ones marker,
 * the total length (header included, 19..4096) and the type.
 */
import { Either } from "effect"
import { ErrorCode, HeaderSubcode, messageError, u16Bytes } from "./errors.js"
import type { BgpMessageError } from "./errors.js"

export const HEADER_LENGTH = 19
/** RFC 4271 §4.1; we never negotiate RFC 8654 extended messages. */
export const MAX_MESSAGE_LENGTH = 4096

export const MessageType = {
  Open: 1,
  Update: 2,
  Notification: 3,
  Keepalive: 4,
  RouteRefresh: 5
} as const
export type MessageType = (typeof MessageType)[keyof typeof MessageType]

/** RFC 4271 §6.1: the smallest valid length of each type (ROUTE-REFRESH and KEEPALIVE are fixed). */
const minLength: Record<number, number> = { 1: 29, 2: 23, 3: 21, 4: 19, 5: 23 }
const fixedLength: Record<number, number> = { 4: 19, 5: 23 }

export interface Header {
  readonly length: number
  readonly type: MessageType
}

/** Writes marker, length and type at `offset`; the body follows at offset + 19. */
export const writeHeader = (buf: Uint8Array, offset: number, length: number, type: MessageType): void => {
  buf.fill(0xff, offset, offset + 16)
  buf[offset + 16] = (length >>> 8) & 0xff
  buf[offset + 17] = length & 0xff
  buf[offset + 18] = type
}

/**
 * Only marker and length: enough for the framer to cut messages out of the
 * byte stream before the type is known to be valid.
 */
export const decodeFrameLength = (bytes: Uint8Array, offset = 0): Either.Either<number, BgpMessageError> => {
  for (let i = 0; i < 16; i++) {
    if (bytes[offset + i] !== 0xff) {
      return Either.left(messageError(ErrorCode.MessageHeader, HeaderSubcode.NotSynchronized, "marker is not all ones"))
    }
  }
  const length = (bytes[offset + 16]! << 8) | bytes[offset + 17]!
  if (length < HEADER_LENGTH || length > MAX_MESSAGE_LENGTH) {
    return Either.left(messageError(ErrorCode.MessageHeader, HeaderSubcode.BadLength, `length ${length}`, u16Bytes(length)))
  }
  return Either.right(length)
}

const isMessageType = (n: number): n is MessageType => n >= 1 && n <= 5

/** Validates a whole header against the message it heads (`bytes.length` must be at least 19). */
export const decodeHeader = (bytes: Uint8Array): Either.Either<Header, BgpMessageError> => {
  if (bytes.length < HEADER_LENGTH) {
    return Either.left(messageError(ErrorCode.MessageHeader, HeaderSubcode.BadLength, `only ${bytes.length} bytes`, u16Bytes(bytes.length)))
  }
  return Either.flatMap(decodeFrameLength(bytes), (length) => {
    if (length !== bytes.length) {
      return Either.left(messageError(ErrorCode.MessageHeader, HeaderSubcode.BadLength, `header says ${length}, got ${bytes.length} bytes`, u16Bytes(length)))
    }
    const type = bytes[18]!
    if (!isMessageType(type)) {
      return Either.left(messageError(ErrorCode.MessageHeader, HeaderSubcode.BadType, `type ${type}`, new Uint8Array([type])))
    }
    const fixed = fixedLength[type]
    if (length < minLength[type]! || (fixed !== undefined && length !== fixed)) {
      // RFC 7313 §5: a BoRR/EoRR of the wrong size has its own error, carrying the whole message
      const subtype = bytes[HEADER_LENGTH + 2]
      if (type === MessageType.RouteRefresh && (subtype === 1 || subtype === 2)) {
        return Either.left(messageError(ErrorCode.RouteRefresh, 1, `ROUTE-REFRESH of length ${length}`, bytes.slice()))
      }
      return Either.left(messageError(ErrorCode.MessageHeader, HeaderSubcode.BadLength, `length ${length} for type ${type}`, u16Bytes(length)))
    }
    return Either.right({ length, type })
  })
}

export const readU16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!
export const readU32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0

export const writeU16 = (b: Uint8Array, at: number, n: number): void => {
  b[at] = (n >>> 8) & 0xff
  b[at + 1] = n & 0xff
}

export const writeU32 = (b: Uint8Array, at: number, n: number): void => {
  b[at] = (n >>> 24) & 0xff
  b[at + 1] = (n >>> 16) & 0xff
  b[at + 2] = (n >>> 8) & 0xff
  b[at + 3] = n & 0xff
}
