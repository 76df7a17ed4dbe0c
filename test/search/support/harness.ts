/**
 * The search projection over a real embedded event store and SQLite read models, against
 * either the wire-level Elasticsearch double or, when HONEYHOLE_TEST_ES_URL is set, a real
 * cluster (each suite then uses its own index prefix and deletes its indices afterwards).
 */
import type { Client } from "@elastic/elasticsearch"
import { Effect, Layer, ManagedRuntime, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeClient } from "../../../adapters/elasticsearch/client.js"
import { SearchIndex } from "../../../adapters/elasticsearch/index.js"
import type { SearchIndexOptions } from "../../../adapters/elasticsearch/index.js"
import * as Embedded from "../../../adapters/eventstore/embedded/index.js"
import { noGeo } from "../../../adapters/geoip/index.js"
import * as ReadModels from "../../../adapters/sql/readModels.js"
import { EventStore } from "../../../domain/EventStore.js"
import type { EventStoreShape } from "../../../domain/EventStore.js"
import { ContactClosed, ContactOpened, CredentialsTried, envelope, PayloadReceived } from "../../../domain/events/index.js"
import type { DomainEvent, NewEvent } from "../../../domain/events/index.js"
import { searchEventTypes, toSearchDocument } from "../../../domain/search/document.js"
import { ReadModelDb } from "../../../projections/ReadModelDb.js"
import { makeRunner } from "../../../projections/runner.js"
import type { ProjectionStatus, Runner } from "../../../projections/runner.js"
import { makeSearchProjection } from "../../../projections/search.js"
import type { ExternalProjection } from "../../../projections/Projection.js"
import { startEsDouble } from "./esDouble.js"
import type { EsDouble } from "./esDouble.js"

export const realEsUrl = process.env["HONEYHOLE_TEST_ES_URL"] ?? null
/** how suites name their target in test titles */
export const target = realEsUrl === null ? "against a wire-level Elasticsearch double" : `against Elasticsearch at ${realEsUrl}`
export const doubleOnly = realEsUrl === null ? "" : " [skipped: fault injection needs the wire-level double, HONEYHOLE_TEST_ES_URL is set]"

export interface Target {
  readonly url: string
  /** null against a real cluster */
  readonly double: EsDouble | null
  readonly close: () => Promise<void>
}

export const startTarget = async (): Promise<Target> => {
  if (realEsUrl !== null) return { url: realEsUrl, double: null, close: async () => {} }
  const double = await startEsDouble()
  return { get url() { return double.url }, double, close: double.close }
}

export const uniquePrefix = () => `hh-test-${randomUUID().slice(0, 8)}`

export interface Harness {
  readonly prefix: string
  readonly runtime: ManagedRuntime.ManagedRuntime<EventStore | ReadModelDb | SearchIndex, unknown>
  readonly runner: Runner
  readonly projection: ExternalProjection
  /** a separate client for assertions */
  readonly client: Client
  readonly run: <A, E>(effect: Effect.Effect<A, E, EventStore | ReadModelDb | SearchIndex>) => Promise<A>
  readonly append: (stream: string, events: ReadonlyArray<NewEvent>) => Promise<void>
  /** documents in `<prefix>-*`, after a refresh */
  readonly count: () => Promise<number>
  readonly waitForLag0: (timeoutMs?: number) => Promise<void>
  readonly status: () => Promise<ProjectionStatus>
  readonly dispose: () => Promise<void>
}

export const makeHarness = async (url: string, options: Partial<SearchIndexOptions> = {}): Promise<Harness> => {
  const dir = mkdtempSync(join(tmpdir(), "hh-search-"))
  const prefix = options.index ?? uniquePrefix()
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(
      Embedded.layer({ filename: join(dir, "events.sqlite") }),
      ReadModels.layer({ kind: "sqlite", filename: join(dir, "readmodels.sqlite") }),
      SearchIndex.layer({ node: url, retentionDays: 30, requestTimeoutMs: 2000, bulk: { retryBase: "20 millis" }, ...options, index: prefix })
    )
  )
  const run = <A, E>(effect: Effect.Effect<A, E, EventStore | ReadModelDb | SearchIndex>) => runtime.runPromise(effect)
  const projection = await run(
    Effect.gen(function* () {
      const store: EventStoreShape = yield* EventStore
      const sink = yield* SearchIndex
      return makeSearchProjection({ sink, store, eventTypes: searchEventTypes, toDocument: (e) => toSearchDocument(e, noGeo) })
    })
  )
  const runner = await run(makeRunner([projection]))
  const client = makeClient({ node: url })
  const count = async () => {
    await client.indices.refresh({ index: `${prefix}-*`, allow_no_indices: true })
    return (await client.count({ index: `${prefix}-*`, allow_no_indices: true })).count
  }
  const status = async () => (await run(runner.status))[0]!
  return {
    prefix,
    runtime,
    runner,
    projection,
    client,
    run,
    append: (stream, events) => run(Effect.asVoid(Effect.flatMap(EventStore, (s) => s.append(stream, events, "any")))),
    count,
    status,
    waitForLag0: (timeoutMs = 10_000) =>
      run(
        runner.status.pipe(
          Effect.flatMap((s) => (s[0]!.lag === 0 ? Effect.void : Effect.fail(`lagging: ${JSON.stringify(s[0])}`))),
          Effect.retry({ schedule: Schedule.spaced("25 millis"), times: Math.ceil(timeoutMs / 25) })
        )
      ),
    dispose: async () => {
      await run(Effect.flatMap(SearchIndex, (s) => s.dropAll)).catch(() => undefined)
      await client.close()
      await runtime.dispose()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** A whole contact (opened, payload, credentials, closed) from `ip` at `at`, as the sensor records it. */
export const contact = (ip: string, at: Date, service = "ssh"): ReadonlyArray<NewEvent> => {
  const session = { sessionId: randomUUID(), sensor: "sensor-test", service }
  const step = (event: DomainEvent, offsetMs: number) => envelope(event, { eventId: randomUUID(), at: new Date(at.getTime() + offsetMs) })
  return [
    step(new ContactOpened({ ...session, plugin: service, transport: "tcp", sourceIp: ip, sourcePort: 40000, localIp: "127.0.0.1", localPort: 10022, publicPort: 22 }), 0),
    step(new PayloadReceived({ ...session, length: 5, md5: "5d41402abc4b2a76b9719d911017c592", hex: "68656c6c6f", text: "hello", truncated: false, facts: {} }), 1),
    step(new CredentialsTried({ ...session, username: "root", password: "123456", method: "password", detail: {} }), 2),
    step(new ContactClosed({ ...session, durationMs: 3, bytesIn: 5, bytesOut: 0, reason: "peer closed" }), 3)
  ]
}
