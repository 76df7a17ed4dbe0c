/**
 * The search projection when Elasticsearch misbehaves: documents refused for good are
 * recorded and counted, busy items are retried, an outage is ridden out from the
 * checkpoint, and a stalled cluster never slows the sensor or the ban reactor.
 * Fault injection needs the wire-level Elasticsearch double; with HONEYHOLE_TEST_ES_URL
 * set those tests are skipped (their titles say so) and the rest run against the cluster.
 */
import type { ManagedRuntime } from "effect"
import { Chunk, Effect, Fiber, Metric, Stream } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { makeClient } from "../../adapters/elasticsearch/client.js"
import { make as makeSearchIndex, SearchIndex } from "../../adapters/elasticsearch/index.js"
import { bulkRetries } from "../../adapters/elasticsearch/bulk.js"
import { noGeo } from "../../adapters/geoip/index.js"
import { EventStore } from "../../domain/EventStore.js"
import { decodeRecorded } from "../../domain/events/index.js"
import { searchEventTypes, toSearchDocument } from "../../domain/search/document.js"
import type { ReadModelDb } from "../../projections/ReadModelDb.js"
import { makeRunner } from "../../projections/runner.js"
import { makeSearchProjection, searchStream } from "../../projections/search.js"
import { eventually, tcp } from "../support/converse.js"
import { freeTcpPort } from "../support/free-port.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"
import { contact, doubleOnly, makeHarness, realEsUrl, startTarget, target, uniquePrefix } from "./support/harness.js"
import type { Harness, Target } from "./support/harness.js"

/** tests that inject faults: they need the double, and say why they are skipped without it */
const doubleIt = it.skipIf(realEsUrl !== null)

const rejectionsIn = (h: Harness) =>
  h.run(
    Effect.flatMap(EventStore, (store) => Stream.runCollect(store.readStream(searchStream))).pipe(
      Effect.map((events) => Chunk.toReadonlyArray(events).map((r) => decodeRecorded(r)).map((d) => (d._tag === "Right" ? d.right.event : null)))
    )
  )

describe(`search projection failures ${target}`, () => {
  let es: Target
  let h: Harness | undefined
  beforeAll(async () => {
    es = await startTarget()
  })
  afterEach(async () => {
    if (es.double !== null) {
      es.double.itemFault = () => null
      es.double.unstall()
    }
    await h?.dispose()
    h = undefined
  })
  afterAll(() => es?.close())

  it("records a document the cluster refuses (400 mapper_parsing_exception) with its reason, counts it, and moves on", async () => {
    h = await makeHarness(es.url)
    const good = contact("203.0.113.7", new Date("2026-11-30T08:00:00Z"))
    // a ContactOpened whose sourceIp is not an address: the `ip` field refuses it
    const badId = randomUUID()
    const bad = {
      eventId: badId,
      type: "ContactOpened",
      data: { sessionId: "s-bad", sensor: "sensor-test", service: "ssh", plugin: "ssh", transport: "tcp", sourceIp: "999.1.2.3", sourcePort: 1, localIp: "127.0.0.1", localPort: 10022, publicPort: 22 },
      metadata: { at: "2026-11-30T08:00:01.000Z", schemaVersion: 1, correlationId: "corr-bad", causationId: null }
    }
    await h.append("attacker-203.0.113.7", [...good.slice(0, 2), bad, ...good.slice(2)])
    await h.run(h.runner.catchUp("search"))
    expect(await h.count()).toBe(4)
    const status = await h.status()
    expect(status).toMatchObject({ events: 5, lag: 0, lastError: null, counters: { rejected: 1 } })
    const [rejection] = await rejectionsIn(h)
    expect(rejection).toMatchObject({ _tag: "SearchDocumentRejected", eventId: badId, index: `${h.prefix}-2026.11.30`, status: 400 })
    // ES < 8.8 says mapper_parsing_exception, later versions document_parsing_exception
    expect((rejection as { type: string }).type).toMatch(/^(mapper|document)_parsing_exception$/)
    expect((rejection as { reason: string }).reason).toContain("source.ip")

    // a rebuild meets the refused document again: recorded once, by this process or a new one
    await h.run(h.runner.rebuild("search", () => Effect.void))
    const fresh = makeSearchProjection({ sink: await h.run(SearchIndex), store: await h.run(EventStore), eventTypes: searchEventTypes, toDocument: (e) => toSearchDocument(e, noGeo) })
    await h.run(Effect.flatMap(makeRunner([fresh]), (r) => r.rebuild("search", () => Effect.void)))
    expect(await rejectionsIn(h)).toHaveLength(1)
    expect(await h.count()).toBe(4)
    expect(await h.status()).toMatchObject({ events: 5, lag: 0, lastError: null, counters: { rejected: 1 } })
  })

  it("records an event whose document cannot be built (no usable time) as rejected with status 0, and moves on", async () => {
    h = await makeHarness(es.url)
    const broken = { eventId: randomUUID(), type: "ContactClosed", data: { sessionId: "s", sensor: "x", service: "ssh", durationMs: 1, bytesIn: 0, bytesOut: 0, reason: "idle" }, metadata: { at: "yesterday-ish", schemaVersion: 1, correlationId: "c", causationId: null } }
    await h.append("attacker-203.0.113.7", [broken, ...contact("203.0.113.7", new Date("2026-11-30T08:00:00Z"))])
    await h.run(h.runner.catchUp("search"))
    expect(await h.count()).toBe(4)
    expect(await h.status()).toMatchObject({ events: 5, lag: 0, counters: { rejected: 1 } })
    const [rejection] = await rejectionsIn(h)
    expect(rejection).toMatchObject({ eventId: broken.eventId, status: 0, type: "document_build_error" })
    expect((rejection as { reason: string }).reason).toContain("metadata.at is not a date")
  })

  doubleIt(`sends basic-auth or API-key credentials, and shows them nowhere (description, errors)${doubleOnly}`, async () => {
    const double = es.double!
    const inUrl = double.url.replace("http://", "http://elastic:url-s3cret@")
    h = await makeHarness(inUrl)
    expect(h.projection.description).toContain("http://elastic:***@127.0.0.1")
    expect(h.projection.description).not.toContain("url-s3cret")
    await h.run(h.runner.catchUp("search"))
    expect(double.authorizations.at(-1)).toBe(`Basic ${Buffer.from("elastic:url-s3cret").toString("base64")}`)
    await h.dispose()
    h = await makeHarness(double.url, { apiKey: "a2V5LXMzY3JldA==" })
    await h.run(h.runner.catchUp("search"))
    expect(double.authorizations.at(-1)).toBe("ApiKey a2V5LXMzY3JldA==")
    // an error that echoes the secret (a proxy repeating the header) is scrubbed
    double.itemFault = () => ({ status: 401, type: "security_exception", reason: "unable to authenticate with ApiKey a2V5LXMzY3JldA==" })
    await h.append("attacker-203.0.113.7", contact("203.0.113.7", new Date("2026-11-30T08:00:00Z")).slice(0, 1))
    await h.run(h.runner.catchUp("search"))
    const [rejection] = await rejectionsIn(h)
    expect((rejection as { reason: string }).reason).toBe("unable to authenticate with ApiKey ***")
  })

  doubleIt(`retries items answered 429 or 503 with backoff until they are indexed${doubleOnly}`, async () => {
    const double = es.double!
    h = await makeHarness(es.url)
    const events = contact("203.0.113.7", new Date("2026-11-30T08:00:00Z"))
    const busy = events[1]!.eventId
    const flaky = events[2]!.eventId
    double.itemFault = (id, _doc, attempt) =>
      id === busy && attempt <= 2
        ? { status: 429, type: "es_rejected_execution_exception", reason: "rejected execution (queue capacity 200)" }
        : id === flaky && attempt === 1
          ? { status: 503, type: "unavailable_shards_exception", reason: "primary shard is not active" }
          : null
    await h.append("attacker-203.0.113.7", events)
    const before = await h.run(Metric.value(bulkRetries))
    await h.run(h.runner.catchUp("search"))
    expect(await h.count()).toBe(4)
    expect(double.bulkItemsSeen.get(busy)).toBe(3)
    expect(double.bulkItemsSeen.get(flaky)).toBe(2)
    expect(double.bulkItemsSeen.get(events[0]!.eventId)).toBe(1)
    expect((await h.run(Metric.value(bulkRetries))).count - before.count).toBe(3)
    expect(await h.status()).toMatchObject({ events: 4, lag: 0, counters: { rejected: 0 } })
    expect(await rejectionsIn(h)).toEqual([])
  })

  doubleIt(`fails the whole batch, without moving the checkpoint, when items stay refused; nothing is skipped${doubleOnly}`, async () => {
    const double = es.double!
    h = await makeHarness(es.url, { bulk: { maxAttempts: 3, retryBase: "5 millis" } })
    const events = contact("203.0.113.7", new Date("2026-11-30T08:00:00Z"))
    double.itemFault = (id) => (id === events[3]!.eventId ? { status: 429, type: "circuit_breaking_exception", reason: "[parent] Data too large" } : null)
    await h.append("attacker-203.0.113.7", events)
    const failed = await h.run(Effect.either(h.runner.catchUp("search")))
    expect(failed._tag).toBe("Left")
    expect(String((failed as { left: { message: string } }).left.message)).toMatch(/1 documents still refused after 3 attempts \(last: 429 circuit_breaking_exception\)/)
    expect(await h.status()).toMatchObject({ position: null, lag: 4 })
    double.itemFault = () => null
    await h.run(h.runner.catchUp("search"))
    expect(await h.count()).toBe(4)
    expect(await h.status()).toMatchObject({ events: 4, lag: 0 })
  })

  doubleIt(`starting while Elasticsearch is down: status says so, and clears once the template is in place${doubleOnly}`, async () => {
    const double = es.double!
    h = await makeHarness(double.url)
    await double.down()
    const running = h.runtime.runFork(h.runner.runAll)
    const failing = await eventually(async () => {
      const s = await h!.status()
      return s.lastError !== null ? s : undefined
    }, 10_000, "the projection to report the outage")
    expect(failing.lastError).toMatch(/cannot read ILM policy .*ECONNREFUSED/)
    await double.up()
    await eventually(async () => ((await h!.status()).lastError === null ? true : undefined), 20_000, "the error to clear")
    expect(double.templates.has(h.prefix)).toBe(true)
    await h.run(Fiber.interrupt(running))
  })

  doubleIt(`backs off while Elasticsearch is down, shows the error and the lag, then catches up from its checkpoint${doubleOnly}`, async () => {
    const double = es.double!
    h = await makeHarness(es.url)
    await h.append("attacker-203.0.113.7", contact("203.0.113.7", new Date("2026-11-30T08:00:00Z")))
    const running = h.runtime.runFork(h.runner.runAll)
    await h.waitForLag0()
    await double.down()
    await h.append("attacker-203.0.113.8", contact("203.0.113.8", new Date("2026-11-30T09:00:00Z")))
    const failing = await eventually(async () => {
      const s = await h!.status()
      return s.lastError !== null ? s : undefined
    }, 10_000, "the projection to report the outage")
    expect(failing.lag).toBe(4)
    expect(failing.lastError).toMatch(/ECONNREFUSED|ConnectionError/)
    await double.up()
    await h.waitForLag0(20_000)
    expect(await h.count()).toBe(8)
    expect((await h.status()).lastError).toBeNull()
    await h.run(Fiber.interrupt(running))
  })
})

describe(`search projection isolation ${target}`, () => {
  let es: Target
  let sensor: RunningSensor | undefined
  beforeAll(async () => {
    es = await startTarget()
  })
  afterAll(async () => {
    await sensor?.stop()
    await es?.close()
  })

  doubleIt(`a stalled Elasticsearch never slows the sensor or the ban reactor; the index catches up when it recovers${doubleOnly}`, async () => {
    const double = es.double!
    const port = await freeTcpPort()
    sensor = await startSensor([{ name: "echo", port, transport: "tcp", plugin: "echo" }], { bans: { neverBan: [], ttl: "1h" } }, { bans: true })
    // the sensor's runtime holds the read-model database too (startSensor merges both stores)
    const runtime = sensor.runtime as unknown as ManagedRuntime.ManagedRuntime<EventStore | ReadModelDb, unknown>
    const prefix = uniquePrefix()
    const client = makeClient({ node: double.url, requestTimeoutMs: 120_000 })
    const runner = await runtime.runPromise(
      Effect.gen(function* () {
        const sink = yield* makeSearchIndex(client, { node: double.url, index: prefix, retentionDays: 30 })
        const projection = makeSearchProjection({ sink, store: yield* EventStore, eventTypes: searchEventTypes, toDocument: (e) => toSearchDocument(e, noGeo) })
        return yield* makeRunner([projection])
      })
    )
    const projecting = runtime.runFork(runner.runAll)

    // the projection is set up (template, policy), then the cluster hangs: accepts, never answers
    await eventually(() => (double.templates.has(prefix) ? true : undefined), 5000, "the index template")
    double.stall()
    for (let i = 0; i < 5; i++) {
      const c = await tcp(port)
      c.send("hello\n")
      await c.until("hello")
      c.close()
    }
    await eventually(() => (double.requests.at(-1) === "POST /_bulk" && double.stalled() > 0 ? true : undefined), 5000, "a bulk request held by the stalled double")
    // the blocking loop and the sensor work as usual while ES holds the projection's request
    const ban = await eventually(async () => (await sensor!.ofType("BanIssued"))[0], 5000, "BanIssued")
    expect(ban).toMatchObject({ prefix: "127.0.0.1/32", rule: "tcp-contact" })
    const closed = await eventually(async () => {
      const all = await sensor!.ofType("ContactClosed")
      return all.length === 5 ? all : undefined
    }, 5000, "5 ContactClosed")
    expect(closed).toHaveLength(5)
    expect(double.stalled()).toBeGreaterThan(0)
    const [stalledStatus] = await runtime.runPromise(runner.status)
    expect(stalledStatus!.position).toBeNull()
    expect(stalledStatus!.lag).toBeGreaterThanOrEqual(15)

    double.unstall() // the hung node drops its connections and answers again
    const contactEvents = (await sensor.events()).filter((e) => (searchEventTypes as ReadonlyArray<string>).includes(e.event._tag))
    await eventually(async () => {
      const [s] = await runtime.runPromise(runner.status)
      return s!.lag === 0 ? s : undefined
    }, 20_000, "the search checkpoint to catch up")
    const indexed = [...double.indices.entries()].filter(([name]) => name.startsWith(`${prefix}-`)).flatMap(([, docs]) => [...docs.keys()])
    expect(indexed.sort()).toEqual(contactEvents.map((e) => e.eventId).sort())
    await runtime.runPromise(Fiber.interrupt(projecting))
    await client.close()
  })
})
