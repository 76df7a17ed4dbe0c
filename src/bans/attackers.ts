/**
 * Attacker state for the decider: the attacker stream folded with `evolve`, cached
 * per address with the revision it reflects, so a decision reads only what is new.
 */
import { Effect, Either, Stream } from "effect"
import { evolve, initialState } from "../../domain/bans/decider.js"
import type { AttackerState } from "../../domain/bans/decider.js"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { decodeRecorded } from "../../domain/events/index.js"

export interface Folded {
  readonly state: AttackerState
  /** revision of the last event folded, -1 for an empty stream */
  readonly revision: number
}

const empty: Folded = { state: initialState, revision: -1 }

export const makeAttackerCache = (store: EventStoreShape, capacity = 50_000) => {
  const cache = new Map<string, Folded>()

  const remember = (stream: string, folded: Folded) => {
    cache.delete(stream)
    cache.set(stream, folded)
    if (cache.size > capacity) {
      const oldest = cache.keys().next().value
      if (oldest !== undefined) cache.delete(oldest)
    }
  }

  /** the stream folded up to its current end */
  const load = (stream: string) =>
    Effect.gen(function* () {
      let folded = cache.get(stream) ?? empty
      yield* store.readStream(stream, { fromRevision: folded.revision + 1 }).pipe(
        Stream.runForEach((recorded) =>
          Effect.sync(() => {
            const decoded = decodeRecorded(recorded)
            // events of other (newer) producers we cannot decode do not change the ban state
            folded = {
              state: Either.isRight(decoded) ? evolve(folded.state, decoded.right.event, decoded.right.meta.at) : folded.state,
              revision: recorded.revision
            }
          })
        )
      )
      remember(stream, folded)
      return folded
    })

  return { load, forget: (stream: string) => Effect.sync(() => cache.delete(stream)) }
}
