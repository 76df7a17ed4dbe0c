/**
 * The allowlist: entries from the `allowlist` stream (operators' `allowlist add`) plus
 * `bans.allowlist` from the configuration, which is seeded into the stream at start so
 * every entry has an audit trail.
 */
import { Context, Effect, Either, Layer, PubSub, Ref, Schedule, Stream } from "effect"
import { userInfo, hostname } from "node:os"
import { parseCidr } from "../../domain/cidr.js"
import type { Cidr } from "../../domain/cidr.js"
import { EventStore } from "../../domain/EventStore.js"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { AllowlistEntryAdded, AllowlistEntryRemoved, decodeRecorded, envelope } from "../../domain/events/index.js"
import { StreamName } from "../../domain/streams.js"
import { newEventId } from "../../domain/eventId.js"

export interface AllowlistEntry {
  readonly cidr: string
  readonly reason: string
  readonly by: string
  readonly at: Date
}

/** who is acting, for audit fields: user@host */
export const operator = () => `${userInfo().username}@${hostname()}`

/** the allowlist stream folded: cidr → entry, with the revision for optimistic concurrency */
export const readAllowlist = (store: EventStoreShape) =>
  Effect.gen(function* () {
    const entries = new Map<string, AllowlistEntry>()
    let revision = -1
    yield* store.readStream(StreamName.allowlist).pipe(
      Stream.runForEach((recorded) =>
        Effect.sync(() => {
          revision = recorded.revision
          const decoded = decodeRecorded(recorded)
          if (Either.isLeft(decoded)) return
          const { event, meta } = decoded.right
          if (event._tag === "AllowlistEntryAdded") entries.set(event.cidr, { cidr: event.cidr, reason: event.reason, by: event.by, at: meta.at })
          if (event._tag === "AllowlistEntryRemoved") entries.delete(event.cidr)
        })
      )
    )
    return { entries, revision }
  })

export class AllowlistInputError extends Error {
  readonly _tag = "AllowlistInputError"
}

/** Adds or removes an entry, guarded by the stream's revision (retried on a conflict). */
export const changeAllowlist = (store: EventStoreShape, change: "add" | "remove", input: string, reason: string, by = operator()) =>
  Effect.gen(function* () {
    const cidr = parseCidr(input)
    if (cidr === null) return yield* Effect.fail(new AllowlistInputError(`not an address or CIDR prefix: ${JSON.stringify(input)}`))
    const { entries, revision } = yield* readAllowlist(store)
    const present = entries.has(cidr.text)
    if (change === "add" ? present : !present) return { cidr: cidr.text, changed: false }
    const event = change === "add" ? new AllowlistEntryAdded({ cidr: cidr.text, reason, by }) : new AllowlistEntryRemoved({ cidr: cidr.text, reason, by })
    yield* store.append(StreamName.allowlist, [envelope(event, { eventId: newEventId(), at: new Date() })], revision < 0 ? "no_stream" : revision)
    return { cidr: cidr.text, changed: true }
  }).pipe(Effect.retry({ times: 3, while: (e) => e._tag === "ConcurrencyError" }))

export interface AllowlistShape {
  /** the entries in force now */
  readonly current: Effect.Effect<ReadonlyArray<Cidr>>
  /** entries as they are added live (the reactor lifts the bans they cover) */
  readonly added: Stream.Stream<Cidr>
}

export class Allowlist extends Context.Tag("honeyhole/Allowlist")<Allowlist, AllowlistShape>() {}

/** Follows the allowlist stream; seeds `seed` (config entries) that are not in it yet. */
export const make = (seed: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const store = yield* EventStore
    for (const entry of seed) {
      yield* changeAllowlist(store, "add", entry, "bans.allowlist in the configuration", "config").pipe(
        Effect.catchAll((e) => Effect.logError(`cannot seed allowlist entry ${entry}: ${e.message}`))
      )
    }
    const filter = { kind: "stream", prefixes: [StreamName.allowlist] } as const
    // history first, so `current` is right from the start; then follow live changes
    const { entries: initial } = yield* readAllowlist(store)
    const entries = yield* Ref.make(new Map([...initial.keys()].flatMap((c) => {
      const p = parseCidr(c)
      return p === null ? [] : [[p.text, p] as const]
    })))
    const added = yield* PubSub.unbounded<Cidr>()
    const head = yield* store.headPosition(filter)
    yield* store.subscribeAll({ after: head, filter }).pipe(
      Stream.filter((r) => r.stream === StreamName.allowlist),
      Stream.runForEach((recorded) =>
        Effect.gen(function* () {
          const decoded = decodeRecorded(recorded)
          if (Either.isLeft(decoded)) return
          const { event } = decoded.right
          if (event._tag !== "AllowlistEntryAdded" && event._tag !== "AllowlistEntryRemoved") return
          const cidr = parseCidr(event.cidr)
          if (cidr === null) return
          if (event._tag === "AllowlistEntryAdded") {
            yield* Ref.update(entries, (m) => new Map(m).set(cidr.text, cidr))
            yield* PubSub.publish(added, cidr)
          } else {
            yield* Ref.update(entries, (m) => {
              const next = new Map(m)
              next.delete(cidr.text)
              return next
            })
          }
        })
      ),
      Effect.tapErrorCause((cause) => Effect.logError("allowlist follower failed; retrying", cause)),
      Effect.retry(Schedule.spaced("1 second")),
      Effect.interruptible,
      Effect.forkScoped
    )
    return Allowlist.of({
      current: Effect.map(Ref.get(entries), (m) => [...m.values()]),
      added: Stream.fromPubSub(added)
    })
  })

export const layer = (seed: ReadonlyArray<string>) => Layer.scoped(Allowlist, make(seed))
