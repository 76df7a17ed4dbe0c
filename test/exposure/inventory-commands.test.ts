/** Inventory command handling: optimistic concurrency on the `inventory` stream, retried on a conflict. */
import { Effect, ManagedRuntime } from "effect"
import { randomUUID } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import { EventStore } from "../../domain/EventStore.js"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { envelope, HostTypeDefined } from "../../domain/events/index.js"
import { changeInventory, readInventory } from "../../src/inventory/commands.js"

describe("inventory commands on the event store", () => {
  let runtime: ManagedRuntime.ManagedRuntime<EventStore, unknown>
  const run = <A, E>(e: Effect.Effect<A, E, EventStore>) => runtime.runPromise(e)

  beforeAll(() => {
    runtime = ManagedRuntime.make(Embedded.layer({ filename: join(mkdtempSync(join(tmpdir(), "hh-invcmd-")), "events.sqlite") }))
  })
  afterAll(() => runtime?.dispose())

  /** a store where another operator appends to `inventory` just before our first append */
  const racing = (store: EventStoreShape, rival: string): EventStoreShape => {
    let raced = false
    return {
      ...store,
      append: (stream, events, expected) =>
        Effect.gen(function* () {
          if (!raced) {
            raced = true
            yield* store.append("inventory", [envelope(new HostTypeDefined({ name: rival, description: "" }), { eventId: randomUUID(), at: new Date() })], "any")
          }
          return yield* store.append(stream, events, expected)
        })
    }
  }

  it("retries a concurrent edit on the fresh state", async () => {
    let plans = 0
    const events = await run(
      Effect.flatMap(EventStore, (store) =>
        changeInventory(racing(store, "dns"), () => {
          plans++
          return [{ _tag: "DefineHostType", name: "web", description: "" }]
        })
      )
    )
    expect(events.map((e) => e._tag)).toEqual(["HostTypeDefined"])
    expect(plans).toBe(2)
    const { state, revision } = await run(Effect.flatMap(EventStore, readInventory))
    expect([...state.types.keys()]).toEqual(["dns", "web"])
    expect(revision).toBe(1)
  })

  it("re-decides after a conflict: the rival's identical change makes ours a duplicate", async () => {
    const result = await run(
      Effect.flatMap(EventStore, (store) =>
        Effect.either(changeInventory(racing(store, "voip"), () => [{ _tag: "DefineHostType", name: "voip", description: "" }]))
      )
    )
    expect(result._tag === "Left" && result.left.message).toMatch(/host type "voip" already exists/)
  })
})
