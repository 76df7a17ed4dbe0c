/**
 * The session's single writer (dfx Shard's outbound queue): keepalives, UPDATE
 * batches and NOTIFICATIONs are queued as whole messages and written in order,
 * many at a time, so a keepalive never lands inside another message.
 */
import { Chunk, Deferred, Effect, Queue } from "effect"
import type { BgpTransportError, Transport } from "./Transport.js"

interface Outgoing {
  readonly messages: ReadonlyArray<Uint8Array>
  readonly written?: Deferred.Deferred<void>
}

export interface Outbound {
  /** Queues messages and returns at once. */
  readonly send: (messages: ReadonlyArray<Uint8Array>) => Effect.Effect<void>
  /** Queues messages and waits until the transport took them. */
  readonly sendAndWait: (messages: ReadonlyArray<Uint8Array>) => Effect.Effect<void>
  /** The writer loop; fails when the transport does. */
  readonly run: Effect.Effect<never, BgpTransportError>
}

/** Bytes handed to one transport write; big enough to keep the pipe full, small enough not to hog memory. */
const WRITE_SIZE = 256 * 1024

const concat = (parts: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(size)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

export const makeOutbound = (transport: Transport): Effect.Effect<Outbound> =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<Outgoing>()
    const send = (messages: ReadonlyArray<Uint8Array>) => Queue.offer(queue, { messages }).pipe(Effect.asVoid)
    const sendAndWait = (messages: ReadonlyArray<Uint8Array>) =>
      Effect.flatMap(Deferred.make<void>(), (written) =>
        Queue.offer(queue, { messages, written }).pipe(Effect.zipRight(Deferred.await(written))))
    const run = Effect.forever(Effect.gen(function*() {
      const batch = Chunk.toReadonlyArray(yield* Queue.takeBetween(queue, 1, Number.POSITIVE_INFINITY))
      let parts: Array<Uint8Array> = []
      let size = 0
      for (const item of batch) {
        for (const m of item.messages) {
          if (size + m.length > WRITE_SIZE && parts.length > 0) {
            yield* transport.write(concat(parts, size))
            parts = []
            size = 0
          }
          parts.push(m)
          size += m.length
        }
      }
      if (parts.length > 0) yield* transport.write(concat(parts, size))
      for (const item of batch) if (item.written !== undefined) yield* Deferred.succeed(item.written, undefined)
    }))
    return { send, sendAndWait, run }
  })
