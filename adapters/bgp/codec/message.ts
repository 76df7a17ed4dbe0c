/**
 * One BGP message, any type: the tagged union the session works with, and the
 * dispatch from bytes to the per-type codecs. `decodeMessage` never throws: every
 * failure is a BgpMessageError naming the NOTIFICATION it deserves.
 */
import { Either } from "effect"
import type { EncodeContext } from "./attributes.js"
import { BgpMessageError, messageError } from "./errors.js"
import { decodeHeader, HEADER_LENGTH, MessageType, writeHeader } from "./header.js"
import * as OpenCodec from "./open.js"
import type { Open } from "./open.js"
import * as NotificationCodec from "./notification.js"
import type { Notification } from "./notification.js"
import * as RouteRefreshCodec from "./routeRefresh.js"
import type { RouteRefresh } from "./routeRefresh.js"
import * as UpdateCodec from "./update.js"
import type { Update } from "./update.js"

export type Message =
  | ({ readonly _tag: "Open" } & Open)
  | ({ readonly _tag: "Update" } & Update)
  | ({ readonly _tag: "Notification" } & Notification)
  | { readonly _tag: "Keepalive" }
  | ({ readonly _tag: "RouteRefresh" } & RouteRefresh)

export const KEEPALIVE: Uint8Array = (() => {
  const buf = new Uint8Array(HEADER_LENGTH)
  writeHeader(buf, 0, HEADER_LENGTH, MessageType.Keepalive)
  return buf
})()

const tag = <T extends Message["_tag"], A>(t: T) => (a: A) => ({ _tag: t, ...a })

const dispatch = (bytes: Uint8Array, ctx: EncodeContext): Either.Either<Message, BgpMessageError> =>
  Either.flatMap(decodeHeader(bytes), (header): Either.Either<Message, BgpMessageError> => {
    switch (header.type) {
      case MessageType.Open:
        return Either.map(OpenCodec.decode(bytes), tag<"Open", Open>("Open"))
      case MessageType.Update:
        return Either.map(UpdateCodec.decode(bytes, ctx), tag<"Update", Update>("Update"))
      case MessageType.Notification:
        return Either.map(NotificationCodec.decode(bytes), tag<"Notification", Notification>("Notification"))
      case MessageType.Keepalive:
        return Either.right({ _tag: "Keepalive" })
      case MessageType.RouteRefresh:
        return Either.map(RouteRefreshCodec.decode(bytes), tag<"RouteRefresh", RouteRefresh>("RouteRefresh"))
    }
  })

/**
 * Decodes one whole message (as cut by the framer). The codecs check bounds
 * themselves; the catch is a last line of defence that the garbage tests assert
 * is never reached ("internal decoder error").
 */
export const decodeMessage = (bytes: Uint8Array, ctx: EncodeContext): Either.Either<Message, BgpMessageError> => {
  try {
    return dispatch(bytes, ctx)
  } catch (cause) {
    return Either.left(messageError(1, 0, `internal decoder error: ${String(cause)}`))
  }
}

export const encodeMessage = (m: Message, ctx: EncodeContext): Uint8Array => {
  switch (m._tag) {
    case "Open":
      return OpenCodec.encode(m)
    case "Update":
      return UpdateCodec.encode(m, ctx)
    case "Notification":
      return NotificationCodec.encode(m)
    case "Keepalive":
      return KEEPALIVE
    case "RouteRefresh":
      return RouteRefreshCodec.encode(m)
  }
}

export const encodingLength = (m: Message, ctx: EncodeContext): number => {
  switch (m._tag) {
    case "Open":
      return OpenCodec.encodingLength(m)
    case "Update":
      return UpdateCodec.encodingLength(m, ctx)
    case "Notification":
      return NotificationCodec.encodingLength(m)
    case "Keepalive":
      return HEADER_LENGTH
    case "RouteRefresh":
      return RouteRefreshCodec.LENGTH
  }
}

export { BgpMessageError }
