/**
 * What a session needs from a connection: read chunks, write bytes, close. The TCP
 * implementation is in tcp.ts; tests drive sessions over an in-memory pair with
 * TestClock (test/bgp/support/memoryTransport.ts).
 */
import { Data } from "effect"
import type { Effect } from "effect"

export class BgpTransportError extends Data.TaggedError("BgpTransportError")<{
  readonly reason: "Open" | "Read" | "Write" | "Closed"
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

export interface Endpoint {
  readonly address: string
  readonly port: number
}

export interface Transport {
  readonly local: Endpoint
  readonly remote: Endpoint
  /** The next chunk received; fails with reason "Closed" once the peer has closed. */
  readonly read: Effect.Effect<Uint8Array, BgpTransportError>
  /** Completes once the bytes are handed to the kernel (backpressure). */
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, BgpTransportError>
  readonly close: Effect.Effect<void>
}
