/**
 * The blackhole table in memory: every ban event followed from the start of history,
 * so the BGP speakers and the expiry timer work from the same truth without a
 * database round trip. `routes` is what the border routers must carry: active bans
 * whose TTL has not passed — a ban that expired while honeyhole was down is never
 * announced, even before its BanExpired is written.
 */
import { Context, Deferred, Effect, Either, Layer, Schedule, Stream, SubscriptionRef } from "effect"
import { EventStore } from "../../domain/EventStore.js"
import type { EventFilter } from "../../domain/EventStore.js"
import { decodeRecorded } from "../../domain/events/index.js"

export interface ActiveBan {
  readonly banId: string
  readonly ip: string
  readonly prefix: string
  readonly stream: string
  /** the BanIssued event: causation of the BanExpired that ends it */
  readonly issuedEventId: string
  readonly issuedAt: Date
  readonly expiresAt: Date
  readonly offense: number
  readonly service: string | null
}

export interface BlackholeTableShape {
  /** prefix → ban, as the events say (expired ones stay until their BanExpired) */
  readonly bans: SubscriptionRef.SubscriptionRef<ReadonlyMap<string, ActiveBan>>
  /** resolves once the table has caught up with the history present at start */
  readonly ready: Effect.Effect<void>
  /** BanIssued events seen in the last minute (the breaker's input) */
  readonly bansLastMinute: () => number
}

export class BlackholeTable extends Context.Tag("honeyhole/BlackholeTable")<BlackholeTable, BlackholeTableShape>() {}

export const banEvents: EventFilter = { kind: "eventType", prefixes: ["BanIssued", "BanExpired", "BanLifted"] }

/** the bans to announce at `now` */
export const liveBans = (bans: ReadonlyMap<string, ActiveBan>, now: number): ReadonlyArray<ActiveBan> =>
  [...bans.values()].filter((b) => b.expiresAt.getTime() > now)

export const make = Effect.gen(function* () {
  const store = yield* EventStore
  const bans = yield* SubscriptionRef.make<ReadonlyMap<string, ActiveBan>>(new Map())
  const ready = yield* Deferred.make<void>()
  const head = yield* store.headPosition(banEvents).pipe(Effect.orElseSucceed(() => null))
  if (head === null) yield* Deferred.succeed(ready, undefined)
  const recent: Array<number> = []

  yield* store.subscribeAll({ filter: banEvents }).pipe(
    Stream.runForEach((recorded) =>
      Effect.gen(function* () {
        const decoded = decodeRecorded(recorded)
        if (Either.isLeft(decoded)) return yield* Effect.logWarning(decoded.left.message)
        const { event } = decoded.right
        if (event._tag === "BanIssued") {
          if (event.issuedAt.getTime() > Date.now() - 60_000) recent.push(event.issuedAt.getTime())
          yield* SubscriptionRef.update(bans, (m) =>
            new Map(m).set(event.prefix, {
              banId: event.banId,
              ip: event.ip,
              prefix: event.prefix,
              stream: recorded.stream,
              issuedEventId: recorded.eventId,
              issuedAt: event.issuedAt,
              expiresAt: event.expiresAt,
              offense: event.offense,
              service: event.service
            })
          )
        } else if (event._tag === "BanExpired" || event._tag === "BanLifted") {
          yield* SubscriptionRef.update(bans, (m) => {
            if (m.get(event.prefix)?.banId !== event.banId) return m
            const next = new Map(m)
            next.delete(event.prefix)
            return next
          })
        }
        if (head !== null && store.comparePositions(recorded.position, head) >= 0) yield* Deferred.succeed(ready, undefined)
      })
    ),
    Effect.tapErrorCause((cause) => Effect.logError("blackhole table stopped following ban events; retrying", cause)),
    Effect.retry(Schedule.spaced("1 second")),
    Effect.interruptible,
    Effect.forkScoped
  )

  return BlackholeTable.of({
    bans,
    ready: Deferred.await(ready),
    bansLastMinute: () => {
      const cutoff = Date.now() - 60_000
      while (recent.length > 0 && recent[0]! < cutoff) recent.shift()
      return recent.length
    }
  })
})

export const layer = Layer.scoped(BlackholeTable, make)
