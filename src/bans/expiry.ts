/**
 * The expiry actor: appends BanExpired when a ban's TTL passes — at once, at start-up,
 * for bans that expired while honeyhole was down. Time comes from Effect's Clock, so
 * tests drive it with TestClock.
 */
import { Clock, Effect, Option, Schedule, Stream } from "effect"
import { EventStore } from "../../domain/EventStore.js"
import { BanExpired, envelope } from "../../domain/events/index.js"
import { BlackholeTable } from "./BlackholeTable.js"
import type { ActiveBan } from "./BlackholeTable.js"
import { newEventId } from "../../domain/eventId.js"

export const runExpiry = Effect.gen(function* () {
  const store = yield* EventStore
  const table = yield* BlackholeTable
  yield* table.ready
  // bans whose BanExpired is written but not yet seen back in the table
  const pending = new Set<string>()
  for (;;) {
    const bans = yield* table.bans.get
    const now = yield* Clock.currentTimeMillis
    for (const id of pending) if (![...bans.values()].some((b) => b.banId === id)) pending.delete(id)
    let next = Number.POSITIVE_INFINITY
    const due: Array<ActiveBan> = []
    for (const ban of bans.values()) {
      const at = ban.expiresAt.getTime()
      if (at > now) next = Math.min(next, at)
      else if (!pending.has(ban.banId)) due.push(ban)
    }
    // concurrently: the embedded store commits them in one transaction (thousands at start-up)
    yield* Effect.forEach(
      due,
      (ban) => {
        pending.add(ban.banId)
        const event = new BanExpired({ banId: ban.banId, prefix: ban.prefix, expiredAt: ban.expiresAt })
        return store.append(ban.stream, [envelope(event, { eventId: newEventId(), at: new Date(now), causationId: ban.issuedEventId })], "any").pipe(
          Effect.zipRight(Effect.logInfo(`ban ${ban.prefix} expired (offense ${ban.offense})`))
        )
      },
      { concurrency: 256, discard: true }
    )
    // sleep until the next expiry, or until the table changes (a new, shorter ban; our own BanExpired coming back)
    const changed = table.bans.changes.pipe(Stream.filter((m) => m !== bans), Stream.runHead)
    yield* Number.isFinite(next)
      ? Effect.race(Effect.sleep(Math.max(0, next - now)), Effect.asVoid(changed))
      : Effect.map(changed, Option.getOrUndefined)
  }
}).pipe(
  Effect.tapErrorCause((cause) => Effect.logError("expiry actor failed; restarting", cause)),
  Effect.retry(Schedule.spaced("1 second")),
  Effect.annotateLogs("actor", "ban-expiry")
)
