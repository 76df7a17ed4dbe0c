/**
 * A second process appending to the embedded store of a running `honeyhole start`,
 * as a sensor or a CLI next to it would. Used by crash.test.ts, which SIGKILLs it.
 *
 *   node --import tsx test/crash/appender.ts <events.sqlite> <go-file> [workers]
 *
 * Prints `ready` once the store is open, waits for <go-file> to exist (so its slow
 * start overlaps `honeyhole start`'s), then appends attacker sessions from `workers`
 * concurrent fibers until killed. Each acknowledged append prints one line,
 * `ack <eventId> <eventId>…`, right after the store returned success: stdout is a file
 * or a pipe, both written synchronously by Node on Linux, so a line printed is never
 * lost to the kill and every printed id must be in the store.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import { existsSync } from "node:fs"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { ContactClosed, ContactOpened, CredentialsTried, envelope } from "../../domain/events/index.js"
import type { DomainEvent, NewEvent } from "../../domain/events/index.js"

const [filename, goFile, workersArg] = process.argv.slice(2)
if (filename === undefined || goFile === undefined) {
  process.stderr.write("usage: appender.ts <events.sqlite> <go-file> [workers]\n")
  process.exit(2)
}
const workers = Number(workersArg ?? 8)

/**
 * Event times spread over three UTC days across a leap day, 2024-02-28 to 2024-03-01,
 * so `stats` has nine (day, type) rows of ours, apart from the rows for today that
 * `honeyhole start`'s own events (SensorStarted…) add.
 */
const firstDay = Date.UTC(2024, 1, 28)
const eventTime = (session: number) => new Date(firstDay + (session % 3) * 86_400_000 + Math.floor(Math.random() * 86_400_000))

const wrap = (event: DomainEvent, at: Date, correlationId: string): NewEvent =>
  envelope(event, { eventId: randomUUID(), at, correlationId })

const ack = (events: ReadonlyArray<NewEvent>) =>
  Effect.sync(() => process.stdout.write(`ack ${events.map((e) => e.eventId).join(" ")}\n`))

const usernames = ["root", "admin", "ubuntu", "pi", "oracle"] as const

/**
 * One sensor session as two appends: the contact when it opens, then the login
 * attempts and the close under the revision the first append returned. Worker `w`
 * owns the addresses 203.0.113.x with x ≡ w (mod workers), so a ConcurrencyError
 * here would be a store bug, not a race between workers.
 */
const session = (store: EventStoreShape, worker: number, n: number) =>
  Effect.gen(function* () {
    const host = 1 + ((worker + workers * n) % 254)
    const sourceIp = `203.0.113.${host}`
    const stream = `attacker-${sourceIp}`
    const sessionId = randomUUID()
    const at = eventTime(n)
    const common = { sessionId, sensor: "sensor-crash", service: "ssh" }
    const opened = [
      wrap(
        new ContactOpened({
          ...common,
          plugin: "ssh",
          transport: "tcp",
          sourceIp,
          sourcePort: 1024 + Math.floor(Math.random() * 64_000),
          localIp: "192.0.2.10",
          localPort: 22,
          publicPort: 22
        }),
        at,
        sessionId
      )
    ]
    const first = yield* store.append(stream, opened, "any")
    yield* ack(opened)
    const tries = 1 + (n % 3)
    const rest = [
      ...Array.from({ length: tries }, (_, i) =>
        wrap(
          new CredentialsTried({ ...common, username: usernames[(n + i) % usernames.length]!, password: `hunter${i}`, method: "password", detail: {} }),
          at,
          sessionId
        )
      ),
      wrap(new ContactClosed({ ...common, durationMs: 40 * tries, bytesIn: 300 * tries, bytesOut: 500, reason: "client closed" }), at, sessionId)
    ]
    yield* store.append(stream, rest, first.nextExpectedRevision)
    yield* ack(rest)
  })

const worker = (store: EventStoreShape, w: number) =>
  Effect.iterate(0, {
    while: () => true,
    body: (n) => session(store, w, n).pipe(Effect.zipRight(Effect.sleep(`${Math.floor(Math.random() * 4)} millis`)), Effect.as(n + 1))
  })

const program = Effect.gen(function* () {
  const store = yield* Embedded.make({ filename })
  yield* Effect.sync(() => process.stdout.write("ready\n"))
  yield* Effect.suspend(() => (existsSync(goFile) ? Effect.void : Effect.fail("not yet"))).pipe(
    Effect.retry(Schedule.spaced("10 millis"))
  )
  yield* Effect.forEach(Array.from({ length: workers }, (_, w) => w), (w) => worker(store, w), {
    concurrency: "unbounded",
    discard: true
  })
})

NodeRuntime.runMain(Effect.scoped(program))
