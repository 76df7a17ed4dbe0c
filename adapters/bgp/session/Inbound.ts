/**
 * Messages from a transport: the framer cuts them out of chunks, the codecs
 * decode them. Errors come back as the reason a session ends.
 */
import { Data, Effect, Either } from "effect"
import type { EncodeContext } from "../codec/attributes.js"
import { ErrorCode } from "../codec/errors.js"
import type { BgpMessageError } from "../codec/errors.js"
import { makeFramer } from "../codec/framer.js"
import { MessageType } from "../codec/header.js"
import { decodeMessage } from "../codec/message.js"
import type { Message } from "../codec/message.js"
import type { Notification } from "../codec/notification.js"
import type { BgpTransportError, Transport } from "./Transport.js"

/** The peer sent us a NOTIFICATION: the session is over, nothing to answer. */
export class PeerNotified extends Data.TaggedError("PeerNotified")<{ readonly notification: Notification }> {}

/** Something the peer sent (or failed to send) that we answer with a NOTIFICATION before closing. */
export class ProtocolViolation extends Data.TaggedError("ProtocolViolation")<{ readonly error: BgpMessageError }> {}

export type SessionError = PeerNotified | ProtocolViolation | BgpTransportError

export interface Inbound {
  /** The next message; the decode context may change after the OPEN exchange. */
  readonly next: Effect.Effect<Message, ProtocolViolation | BgpTransportError>
  readonly setContext: (ctx: EncodeContext) => void
}

export const makeInbound = (transport: Transport): Inbound => {
  const framer = makeFramer()
  let frames: Array<Uint8Array> = []
  let index = 0
  let ctx: EncodeContext = { fourOctetAs: false }
  const nextFrame: Effect.Effect<Uint8Array, ProtocolViolation | BgpTransportError> = Effect.suspend(() => {
    if (index < frames.length) return Effect.succeed(frames[index++]!)
    return Effect.flatMap(transport.read, (chunk) => {
      const cut = framer.push(chunk)
      if (Either.isLeft(cut)) return Effect.fail(new ProtocolViolation({ error: cut.left }))
      frames = cut.right
      index = 0
      return nextFrame
    })
  })
  const next: Effect.Effect<Message, ProtocolViolation | BgpTransportError> = Effect.flatMap(nextFrame, (bytes) => {
    const decoded = decodeMessage(bytes, ctx)
    if (Either.isRight(decoded)) return Effect.succeed(decoded.right)
    // RFC 7606: a malformed UPDATE need not reset the session. We announce only and
    // discard every inbound route, so "treat-as-withdraw" is simply: ignore it. A reset
    // would make the router flush every blackhole route until we resync.
    if (bytes[18] === MessageType.Update && decoded.left.code === ErrorCode.Update) {
      return Effect.zipRight(Effect.logWarning(`ignoring a malformed UPDATE from the peer (RFC 7606): ${decoded.left.message}`), next)
    }
    return Effect.fail(new ProtocolViolation({ error: decoded.left }))
  })
  return { next, setContext: (c) => void (ctx = c) }
}
