/**
 * How a session reports what happened: the caller turns these into events of the
 * `bgp-<peer>` stream. `record` runs inline in the session after the bytes are on
 * the wire, so it should only enqueue (a slow recorder delays the next batch; it
 * never loses one: changes coalesce meanwhile).
 */
import { Context, Effect } from "effect"
import type {
  PeerSessionEstablished,
  PeerSessionLost,
  RoutesAnnounced,
  RoutesWithdrawn
} from "../../../domain/events/operations.js"

export type BgpSessionEvent = PeerSessionEstablished | PeerSessionLost | RoutesAnnounced | RoutesWithdrawn

export interface BgpRecorderShape {
  readonly record: (event: BgpSessionEvent) => Effect.Effect<void>
}

export class BgpRecorder extends Context.Tag("honeyhole/BgpRecorder")<BgpRecorder, BgpRecorderShape>() {
  static readonly Noop: BgpRecorderShape = { record: () => Effect.void }
}

/** Most prefixes put into one RoutesAnnounced / RoutesWithdrawn event; larger batches are split. */
export const MAX_PREFIXES_PER_EVENT = 5_000
