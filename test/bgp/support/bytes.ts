/** Small helpers for codec tests: hex, a seeded PRNG, message builders. */
import { Either } from "effect"
import type { EncodeContext } from "../../../adapters/bgp/codec/attributes.js"
import type { BgpMessageError } from "../../../adapters/bgp/codec/errors.js"
import { writeHeader } from "../../../adapters/bgp/codec/header.js"
import type { MessageType } from "../../../adapters/bgp/codec/header.js"
import { decodeMessage } from "../../../adapters/bgp/codec/message.js"
import type { Message } from "../../../adapters/bgp/codec/message.js"

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex")
export const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"))

/** A message of `type` around `body`, with a correct header. */
export const frame = (type: MessageType | number, body: ReadonlyArray<number> | Uint8Array): Uint8Array => {
  const buf = new Uint8Array(19 + body.length)
  writeHeader(buf, 0, buf.length, type as MessageType)
  buf.set(body, 19)
  return buf
}

export const ctx4: EncodeContext = { fourOctetAs: true }
export const ctx2: EncodeContext = { fourOctetAs: false }

export const decodeOk = (bytes: Uint8Array, ctx: EncodeContext = ctx4): Message => {
  const r = decodeMessage(bytes, ctx)
  if (Either.isLeft(r)) throw new Error(`expected a message, got ${r.left.message}`)
  return r.right
}

export const decodeErr = (bytes: Uint8Array, ctx: EncodeContext = ctx4): BgpMessageError => {
  const r = decodeMessage(bytes, ctx)
  if (Either.isRight(r)) throw new Error(`expected an error, got ${JSON.stringify(r.right._tag)}`)
  return r.left
}

export { prng } from "../../support/prng.js"
