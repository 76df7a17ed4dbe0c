/**
 * The sensor following the inventory (`sensor.fromInventory`): whenever a port range is
 * declared, assigned or unassigned, or a host type defined, the host type's plan is
 * recomputed and applied through the sensor's `sync`, which starts only new listeners
 * and stops only removed ones — sessions on untouched ports never notice.
 *
 * One place decides what the sensor listens on (start, SIGHUP, inventory change), under
 * one lock, so a reload and an inventory change never interleave their syncs.
 */
import { Effect, FiberHandle, Option, Schedule, Stream } from "effect"
import type { EventStoreShape } from "../../domain/EventStore.js"
import type { Position } from "../../domain/events/index.js"
import { StreamName } from "../../domain/streams.js"
import { readInventory } from "../inventory/commands.js"
import { desiredListeners } from "./plan.js"
import type { PlanUnavailable, SensorConfig } from "./plan.js"
import type { ListenerSpec } from "./spec.js"

export interface ListenerSource {
  /** applies a configuration (start, SIGHUP): explicit services plus, when set, the inventory's plan */
  readonly reconfigure: (sensor: SensorConfig) => Effect.Effect<ReadonlyArray<ListenerSpec>, PlanUnavailable>
}

/** the inventory events that can change a host type's ports (host registrations cannot) */
const relevant = { kind: "eventType", prefixes: ["PortRange", "HostTypeDefined"] } as const

const followRetry = Schedule.exponential("1 second").pipe(Schedule.union(Schedule.spaced("30 seconds")))

const describe = (specs: ReadonlyArray<ListenerSpec>) => specs.map((s) => `${s.publicPort}/${s.transport}→${s.port} ${s.plugin}`)

const listed = (items: ReadonlyArray<string>) => (items.length <= 8 ? items.join(", ") : `${items.slice(0, 8).join(", ")} and ${items.length - 8} more`)

export const makeListenerSource = (store: EventStoreShape, sync: (specs: ReadonlyArray<ListenerSpec>) => Effect.Effect<void>) =>
  Effect.gen(function* () {
    const lock = yield* Effect.makeSemaphore(1)
    const follower = yield* FiberHandle.make<void, never>()
    let config: SensorConfig | null = null
    let planned: ReadonlyArray<ListenerSpec> = []
    let warned = new Set<string>()
    let lastError: string | null = null

    const inventoryOf = (sensor: SensorConfig) =>
      sensor.fromInventory === null
        ? Effect.succeed(null)
        : readInventory(store).pipe(
            Effect.map((r) => r.state),
            Effect.catchAll((e) => Effect.as(Effect.logError(`cannot read the inventory: ${e.message}`), "unreadable" as const))
          )

    /** computes and syncs; a plan that cannot be made keeps the previous plan's listeners */
    const apply = (sensor: SensorConfig, why: string) =>
      lock.withPermits(1)(
        Effect.gen(function* () {
          const inventory = yield* inventoryOf(sensor)
          const desired = yield* desiredListeners(sensor, inventory === "unreadable" ? null : inventory)
          let next = desired.planned
          if (sensor.fromInventory !== null && desired.plan === null) {
            const taken = new Set(desired.explicit.flatMap((s) => [s.key, `public ${s.transport}:${s.publicPort}`]))
            next = planned.filter((s) => !taken.has(s.key) && !taken.has(`public ${s.transport}:${s.publicPort}`))
            if (desired.planError !== null && desired.planError !== lastError) {
              yield* Effect.logError(`sensor plan for ${JSON.stringify(sensor.fromInventory.hostType)} not applied (${why}); keeping ${next.length} planned listeners: ${desired.planError}`)
            }
          }
          lastError = desired.planError
          for (const w of desired.plan?.warnings ?? []) {
            if (!warned.has(w)) yield* Effect.logWarning(`sensor plan: ${w}`)
          }
          warned = new Set(desired.plan?.warnings ?? warned)

          const before = new Map(planned.map((s) => [s.key, JSON.stringify(s)]))
          const after = new Map(next.map((s) => [s.key, JSON.stringify(s)]))
          const opened = next.filter((s) => before.get(s.key) !== after.get(s.key))
          const closed = planned.filter((s) => after.get(s.key) !== before.get(s.key))
          const specs = [...desired.explicit, ...next]
          yield* sync(specs)
          planned = next
          config = sensor
          if (opened.length + closed.length > 0) {
            yield* Effect.logInfo(
              `sensor plan (${why}): ${next.length} inventory listeners` +
                (opened.length > 0 ? `; opening ${listed(describe(opened))}` : "") +
                (closed.length > 0 ? `; closing ${listed(describe(closed))}` : "")
            )
          }
          return specs
        })
      )

    /**
     * Where the first follower run subscribes from when start-up has just applied the
     * plan (taken before that apply): it need not read the inventory again. Retries, and
     * a follower started by a later reload, take their own position and re-apply.
     */
    let appliedAt: { readonly head: Position | null } | null = null

    /** the inventory's changes, live: each burst recomputes the plan once */
    const follow = Effect.gen(function* () {
      // the position first, then the state: a change in between is seen twice, never missed
      const fresh = appliedAt
      appliedAt = null
      const head = fresh !== null ? fresh.head : yield* store.headPosition()
      if (fresh === null) yield* apply(config!, "following the inventory")
      yield* store.subscribeAll({ after: head, filter: relevant }).pipe(
        Stream.filter((e) => e.stream === StreamName.inventory),
        Stream.debounce("100 millis"),
        Stream.runForEach(() => apply(config!, "inventory changed"))
      )
      // a live subscription never ends by itself: when a remote store closes it, start over
      return yield* Effect.fail(new Error("the inventory subscription ended"))
    }).pipe(
      Effect.catchAllCause((cause) => Effect.zipRight(Effect.logError("inventory follower failed; restarting", cause), Effect.fail(cause))),
      Effect.retry(followRetry),
      Effect.catchAllCause(() => Effect.void),
      Effect.annotateLogs("actor", "sensor-plan")
    )

    const reconfigure = (sensor: SensorConfig) =>
      Effect.gen(function* () {
        const starting = config === null
        // a store that cannot say leaves the follower to take its own position and apply again
        const head = starting && sensor.fromInventory !== null ? yield* Effect.option(store.headPosition()) : Option.none()
        const specs = yield* apply(sensor, starting ? "start" : "reload")
        if (Option.isSome(head)) appliedAt = { head: head.value }
        if (sensor.fromInventory === null) yield* FiberHandle.clear(follower)
        else yield* FiberHandle.run(follower, follow, { onlyIfMissing: true })
        return specs
      })

    return { reconfigure } satisfies ListenerSource
  })
