/**
 * Inventory command handling: read the `inventory` stream → fold → decide → append
 * with the expected revision; a concurrent edit (ConcurrencyError) is retried on the
 * fresh state, 3 times with backoff from 100 ms.
 */
import { Effect, Either, Schedule, Stream } from "effect"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { decodeRecorded, envelope } from "../../domain/events/index.js"
import { decideAll } from "../../domain/inventory/decider.js"
import type { InventoryCommand } from "../../domain/inventory/decider.js"
import { foldInventory } from "../../domain/inventory/state.js"
import type { InventoryEvent, InventoryState } from "../../domain/inventory/state.js"
import { StreamName } from "../../domain/streams.js"
import { newEventId } from "../../domain/eventId.js"

const inventoryTags = new Set(["HostTypeDefined", "HostRegistered", "HostDisabled", "PortRangeDeclared", "PortRangeAssigned", "PortRangeUnassigned"])

const isInventoryEvent = (event: { readonly _tag: string }): event is InventoryEvent => inventoryTags.has(event._tag)

/** The inventory stream folded, with its revision (-1 when the stream does not exist). */
export const readInventory = (store: EventStoreShape) =>
  Effect.gen(function* () {
    const events: Array<InventoryEvent> = []
    let revision = -1
    // a chunk at a time: an inventory adopted from a /16 scan is 65k events
    yield* store.readStream(StreamName.inventory).pipe(
      Stream.runForEachChunk((chunk) =>
        Effect.suspend(() => {
          for (const recorded of chunk) {
            revision = recorded.revision
            const decoded = decodeRecorded(recorded)
            if (Either.isLeft(decoded)) return Effect.fail(decoded.left)
            if (isInventoryEvent(decoded.right.event)) events.push(decoded.right.event)
          }
          return Effect.void
        })
      )
    )
    return { state: foldInventory(events), revision } as { readonly state: InventoryState; readonly revision: number }
  })

/**
 * Applies commands as one change. `plan` may compute the commands from the current
 * state (adopt-scan does); it runs again on every retry.
 */
export const changeInventory = (
  store: EventStoreShape,
  plan: (state: InventoryState) => ReadonlyArray<InventoryCommand>,
  meta: { readonly correlationId?: string } = {}
) =>
  Effect.gen(function* () {
    const { state, revision } = yield* readInventory(store)
    const decision = decideAll(plan(state), state)
    if (decision._tag === "Rejected") return yield* decision.error
    if (decision.events.length === 0) return decision.events
    const at = new Date()
    yield* store.append(
      StreamName.inventory,
      decision.events.map((e) => envelope(e, { eventId: newEventId(), at, correlationId: meta.correlationId })),
      revision < 0 ? "no_stream" : revision
    )
    return decision.events
  }).pipe(
    Effect.retry({
      while: (e) => e._tag === "ConcurrencyError",
      schedule: Schedule.intersect(Schedule.exponential("100 millis"), Schedule.recurs(3))
    })
  )
