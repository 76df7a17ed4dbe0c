/**
 * The ban reactor: follows contact events and, for each, folds the attacker's stream,
 * asks the pure decider, and appends its decision to the same stream under the
 * revision it read (a concurrent writer makes it read again and re-decide). A ban's
 * causation is the contact that triggered it; its correlation is that session.
 *
 * It starts from where it stopped (checkpoint in the read-model database) or, on a
 * first run, from now: old history is evidence, not a reason to ban today.
 */
import { Chunk, Effect, Either, Schedule, Stream } from "effect"
import { randomUUID } from "node:crypto"
import { decide } from "../../domain/bans/decider.js"
import type { Contact } from "../../domain/bans/decider.js"
import { formatDuration } from "../../domain/bans/policy.js"
import type { BanPolicy } from "../../domain/bans/policy.js"
import { EventStore } from "../../domain/EventStore.js"
import type { EventFilter } from "../../domain/EventStore.js"
import { BanLifted, decodeRecorded, envelope } from "../../domain/events/index.js"
import { containsIp } from "../../domain/cidr.js"
import { parseIp } from "../../domain/ip.js"
import type { DecodedEvent, Position } from "../../domain/events/index.js"
import { categoryOf, idOf } from "../../domain/streams.js"
import { readCheckpoint, setupCheckpoints, writeCheckpoint } from "../../projections/checkpoints.js"
import { ReadModelDb } from "../../projections/ReadModelDb.js"
import { Allowlist } from "./Allowlist.js"
import { makeAttackerCache } from "./attackers.js"
import { BlackholeTable, liveBans } from "./BlackholeTable.js"
import { newEventId } from "../../domain/eventId.js"

export const contactEvents: EventFilter = { kind: "eventType", prefixes: ["ContactOpened", "ContactVerified"] }
const checkpointName = "ban-reactor"

export const makeReactor = (policy: BanPolicy) =>
  Effect.gen(function* () {
    const store = yield* EventStore
    const table = yield* BlackholeTable
    const allowlist = yield* Allowlist
    const db = yield* ReadModelDb
    const attackers = makeAttackerCache(store)

    const decideFor = (trigger: DecodedEvent) =>
      Effect.gen(function* () {
        const { event } = trigger
        if (event._tag !== "ContactOpened" && event._tag !== "ContactVerified") return
        const ip = idOf(trigger.stream)
        if (categoryOf(trigger.stream) !== "attacker" || ip === null) return
        const folded = yield* attackers.load(trigger.stream)
        const bans = yield* table.bans.get
        const contact: Contact = {
          triggerEventId: trigger.eventId,
          trigger: event._tag,
          ip,
          transport: event.transport,
          service: event.service,
          now: new Date(),
          banId: randomUUID(),
          allowlist: yield* allowlist.current,
          activeBans: liveBans(bans, Date.now()).length,
          bansLastMinute: table.bansLastMinute()
        }
        const decisions = decide(contact, folded.state, policy)
        if (decisions.length === 0) return
        const events = decisions.map((d) =>
          envelope(d, { eventId: newEventId(), at: contact.now, correlationId: trigger.meta.correlationId, causationId: trigger.eventId })
        )
        yield* store.append(trigger.stream, events, folded.revision < 0 ? "no_stream" : folded.revision)
        for (const d of decisions) {
          if (d._tag === "BanIssued") yield* Effect.logInfo(`ban ${d.prefix} for ${formatDuration(d.ttlSeconds * 1000)} (offense ${d.offense}, ${d.service})`)
          else yield* Effect.logDebug(`ban of ${d.prefix} suppressed: ${d.reason}`)
        }
      }).pipe(
        // another writer moved the stream: read again and decide again
        Effect.retry({ times: 3, while: (e) => e._tag === "ConcurrencyError", schedule: Schedule.exponential("100 millis") }),
        Effect.annotateLogs("ip", idOf(trigger.stream) ?? "")
      )

    // Where to start is fixed now, at construction: contacts recorded while the actor
    // is still starting are not skipped.
    const sql = yield* db.client
    yield* setupCheckpoints(sql)
    const stored = (yield* readCheckpoint(sql, checkpointName)).position
    const start: Position | null = stored ?? (yield* store.headPosition(contactEvents))

    const run = Effect.gen(function* () {
      yield* table.ready
      let checkpoint: Position | null = (yield* readCheckpoint(sql, checkpointName)).position ?? start
      yield* store.subscribeAll({ after: checkpoint, filter: contactEvents }).pipe(
        Stream.groupedWithin(256, "2 millis"),
        Stream.runForEach((chunk) =>
          Effect.gen(function* () {
            for (const recorded of Chunk.toReadonlyArray(chunk)) {
              const decoded = decodeRecorded(recorded)
              if (Either.isLeft(decoded)) yield* Effect.logWarning(decoded.left.message)
              else yield* decideFor(decoded.right)
              checkpoint = recorded.position
            }
            if (checkpoint !== null) yield* writeCheckpoint(sql, checkpointName, checkpoint, 0, Date.now())
          })
        )
      )
    })

    return run.pipe(
      Effect.tapErrorCause((cause) => Effect.logError("ban reactor failed; restarting", cause)),
      Effect.retry(Schedule.exponential("200 millis").pipe(Schedule.union(Schedule.spaced("10 seconds")))),
      Effect.annotateLogs("actor", "ban-reactor")
    )
  })

/** Adding an allowlist entry lifts the active bans it covers. */
export const liftAllowlisted = Effect.gen(function* () {
  const store = yield* EventStore
  const table = yield* BlackholeTable
  const allowlist = yield* Allowlist
  yield* allowlist.added.pipe(
    Stream.runForEach((cidr) =>
      Effect.gen(function* () {
        const bans = yield* table.bans.get
        for (const ban of bans.values()) {
          const ip = parseIp(ban.ip)
          if (ip === null || !containsIp(cidr, ip)) continue
          const lifted = new BanLifted({ banId: ban.banId, prefix: ban.prefix, reason: `allowlisted (${cidr.text})`, by: "allowlist" })
          yield* store.append(ban.stream, [envelope(lifted, { eventId: newEventId(), at: new Date(), causationId: ban.issuedEventId })], "any")
          yield* Effect.logInfo(`ban ${ban.prefix} lifted: now allowlisted by ${cidr.text}`)
        }
      })
    )
  )
}).pipe(
  Effect.tapErrorCause((cause) => Effect.logError("allowlist lifter failed; restarting", cause)),
  Effect.retry(Schedule.spaced("1 second"))
)
