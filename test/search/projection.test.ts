/**
 * The `search` projection: client-level behaviour with Elastic's own
 * @elastic/elasticsearch-mock (bootstrap of template and ILM policy, bulk body shape,
 * ids and index names), then end to end against a wire-level Elasticsearch double
 * (or a real cluster when HONEYHOLE_TEST_ES_URL is set): follow, resume, rebuild.
 */
import { Client, errors } from "@elastic/elasticsearch"
import MockModule from "@elastic/elasticsearch-mock"
import type { MockPattern } from "@elastic/elasticsearch-mock"
import { Effect, Fiber, Layer, ManagedRuntime } from "effect"
import { randomUUID } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { bootstrapFor } from "../../adapters/elasticsearch/bootstrap.js"
import { make as makeSearchIndex } from "../../adapters/elasticsearch/index.js"
import { noGeo } from "../../adapters/geoip/index.js"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { Position } from "../../domain/events/index.js"
import type { RecordedEvent } from "../../domain/events/index.js"
import { searchEventTypes, toSearchDocument } from "../../domain/search/document.js"
import { makeSearchProjection } from "../../projections/search.js"
import { AppConfig } from "../../src/AppConfig.js"
import { Projections } from "../../src/Projections.js"
import { EventStoreLive, ReadModelsLive } from "../../src/stores.js"
import { EventStore } from "../../domain/EventStore.js"
import { startEsDouble } from "./support/esDouble.js"
import { contact, makeHarness, startTarget, target } from "./support/harness.js"
import type { Harness, Target } from "./support/harness.js"

// the package is CommonJS (`module.exports = Mocker`) typed as an ES default export
const Mock = ((MockModule as unknown as { default?: unknown }).default ?? MockModule) as unknown as typeof MockModule.default

const shipped = {
  template: JSON.parse(readFileSync(new URL("../../config/elasticsearch/index-template.json", import.meta.url), "utf8")) as unknown,
  policy: JSON.parse(readFileSync(new URL("../../config/elasticsearch/ilm-policy.json", import.meta.url), "utf8")) as unknown
}

const recorded = (events: ReturnType<typeof contact>, stream: string): ReadonlyArray<RecordedEvent> =>
  events.map((e, i) => ({ stream, revision: i, position: Position(String(i + 1)), eventId: e.eventId, type: e.type, data: e.data, metadata: e.metadata }))

/** the store is only asked to record rejections and count them here */
const storeStub = { append: () => Effect.die("no rejections expected"), countAfter: () => Effect.succeed(0) } as unknown as EventStoreShape

describe("search adapter with @elastic/elasticsearch-mock (client level)", () => {
  const setup = () => {
    const mock = new Mock()
    const client = new Client({ node: "http://localhost:9200", Connection: mock.getConnection() })
    const puts: Array<{ path: string; body: Record<string, unknown> }> = []
    mock.add({ method: "PUT", path: ["/_ilm/policy/:name", "/_index_template/:name"] }, (params: MockPattern) => {
      puts.push({ path: (params as unknown as { path: string }).path, body: params.body as Record<string, unknown> })
      return { acknowledged: true }
    })
    return { mock, client, puts }
  }
  const notFound = () => new errors.ResponseError({ body: { error: { type: "resource_not_found_exception", reason: "missing" }, status: 404 }, statusCode: 404, headers: {}, warnings: [], meta: {} as never })

  it("creates the ILM policy and the index template when missing, with the configured prefix and retention", async () => {
    const { mock, client, puts } = setup()
    mock.add({ method: "GET", path: ["/_ilm/policy/:name", "/_index_template/:name"] }, notFound)
    const index = await Effect.runPromise(makeSearchIndex(client, { node: "http://localhost:9200", index: "hh-prod", retentionDays: 14, shipped }))
    await Effect.runPromise(index.setup)
    expect(puts.map((p) => p.path)).toEqual(["/_ilm/policy/hh-prod-retention", "/_index_template/hh-prod"])
    const policy = puts[0]!.body as { policy: { phases: { delete: { min_age: string; actions: object } }; _meta: { hash: string } } }
    expect(policy.policy.phases.delete).toEqual({ min_age: "14d", actions: { delete: {} } })
    expect(policy.policy._meta.hash).toMatch(/^[0-9a-f]{16}$/)
    const template = puts[1]!.body as { index_patterns: Array<string>; template: { settings: Record<string, unknown>; mappings: { dynamic: unknown; properties: Record<string, { properties?: Record<string, { type?: string }> }> } } }
    expect(template.index_patterns).toEqual(["hh-prod-*"])
    expect(template.template.settings["index.lifecycle.name"]).toBe("hh-prod-retention")
    expect(template.template.settings["index.lifecycle.parse_origination_date"]).toBe(true)
    expect(template.template.mappings.properties["source"]!.properties!["ip"]!.type).toBe("ip")
  })

  it("puts nothing when the stored policy and template carry our hash, and puts them again when they differ", async () => {
    const { mock, client, puts } = setup()
    const ours = bootstrapFor("hh-prod", 14, shipped)
    let templateMeta: unknown = ours.template["_meta"]
    mock.add({ method: "GET", path: "/_ilm/policy/:name" }, () => ({ "hh-prod-retention": { version: 3, policy: { ...ours.policy, phases: { normalised: "by ES" } } } }))
    mock.add({ method: "GET", path: "/_index_template/:name" }, () => ({ index_templates: [{ name: "hh-prod", index_template: { ...ours.template, _meta: templateMeta } }] }))
    const index = await Effect.runPromise(makeSearchIndex(client, { node: "http://localhost:9200", index: "hh-prod", retentionDays: 14, shipped }))
    await Effect.runPromise(index.setup)
    expect(puts).toEqual([])
    templateMeta = { managed_by: "someone", hash: "edited-by-hand" }
    await Effect.runPromise(index.setup)
    expect(puts.map((p) => p.path)).toEqual(["/_index_template/hh-prod"])
    // a different retention is a different policy
    const longer = await Effect.runPromise(makeSearchIndex(client, { node: "http://localhost:9200", index: "hh-prod", retentionDays: 90, shipped }))
    await Effect.runPromise(longer.setup)
    expect(puts.map((p) => p.path)).toContain("/_ilm/policy/hh-prod-retention")
  })

  it("sends one `index` action per contact event: _id = event id, index dated by the event's UTC day", async () => {
    const { mock, client } = setup()
    const bodies: Array<ReadonlyArray<Record<string, unknown>>> = []
    mock.add({ method: "POST", path: "/_bulk" }, (params: MockPattern) => {
      const lines = params.body as unknown as ReadonlyArray<Record<string, unknown>>
      bodies.push(lines)
      const actions = lines.filter((_, i) => i % 2 === 0) as unknown as ReadonlyArray<{ index: { _index: string; _id: string } }>
      return { errors: false, took: 1, items: actions.map((a) => ({ index: { ...a.index, status: 201, result: "created" } })) }
    })
    const sink = await Effect.runPromise(makeSearchIndex(client, { node: "http://localhost:9200", index: "hh-prod", retentionDays: 14, shipped }))
    const projection = makeSearchProjection({ sink, store: storeStub, eventTypes: searchEventTypes, toDocument: (e) => toSearchDocument(e, noGeo) })
    // 23:59:59.998 + 0..3 ms: the session straddles midnight UTC, its last two events are the next day's
    const events = recorded(contact("203.0.113.7", new Date("2026-11-29T23:59:59.998Z")), "attacker-203.0.113.7")
    const other = { ...events[0]!, eventId: randomUUID(), type: "BanIssued" } // not a contact event: no document
    await Effect.runPromise(projection.apply([...events, other]))
    expect(bodies).toHaveLength(1)
    const lines = bodies[0]!
    expect(lines).toHaveLength(8)
    const actions = lines.filter((_, i) => i % 2 === 0)
    const docs = lines.filter((_, i) => i % 2 === 1) as unknown as ReadonlyArray<{ "@timestamp": string; event: { id: string; action: string } }>
    expect(actions).toEqual([
      { index: { _index: "hh-prod-2026.11.29", _id: events[0]!.eventId } },
      { index: { _index: "hh-prod-2026.11.29", _id: events[1]!.eventId } },
      { index: { _index: "hh-prod-2026.11.30", _id: events[2]!.eventId } },
      { index: { _index: "hh-prod-2026.11.30", _id: events[3]!.eventId } }
    ])
    expect(docs.map((d) => d.event.id)).toEqual(events.map((e) => e.eventId))
    expect(docs.map((d) => d.event.action)).toEqual(["contact-opened", "payload-received", "credentials-tried", "contact-closed"])
    expect(docs[0]!["@timestamp"]).toBe("2026-11-29T23:59:59.998Z")
    expect(JSON.stringify(docs)).not.toContain("null")
  })
})

describe("search projection registration", () => {
  const projectionsWith = async (env: Record<string, string>, use?: (runtime: ManagedRuntime.ManagedRuntime<Projections | EventStore, unknown>) => Promise<void>) => {
    const dataDir = mkdtempSync(join(tmpdir(), "hh-search-reg-"))
    const runtime = ManagedRuntime.make(
      Projections.Live.pipe(Layer.provideMerge(Layer.mergeAll(EventStoreLive, ReadModelsLive)), Layer.provideMerge(AppConfig.layer({ env: { HONEYHOLE_DATA_DIR: dataDir, ...env }, cwd: dataDir })))
    )
    try {
      const runner = await runtime.runPromise(Projections)
      await use?.(runtime)
      return { names: runner.projections.map((p) => p.name), status: await runtime.runPromise(runner.status) }
    } finally {
      await runtime.dispose()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }

  it("is not registered on the default configuration (elasticsearch.node: null)", async () => {
    const { names } = await projectionsWith({})
    expect(names).not.toContain("search")
    expect(names).toContain("stats")
  })

  it("is registered when elasticsearch.node is set; status needs no cluster and hides the URL's password", async () => {
    // nothing listens there: registration and status must not contact the cluster
    const { names, status } = await projectionsWith({ HONEYHOLE_ELASTICSEARCH__NODE: "http://elastic:pw-s3cret@127.0.0.1:9" })
    expect(names).toContain("search")
    const search = status.find((s) => s.name === "search")!
    expect(search).toMatchObject({ events: 0, lag: 0, lastError: null, counters: { rejected: 0 } })
    expect(search.description).toContain("http://elastic:***@127.0.0.1:9")
    expect(JSON.stringify(status)).not.toContain("pw-s3cret")
  })

  it("as wired by the application (config, bundled GeoIP, ECS mapping) indexes documents with geo and geohash into a wire-level Elasticsearch double", async () => {
    const double = await startEsDouble()
    try {
      // 8.8.8.8 is data only here: no packet goes anywhere
      const events = contact("8.8.8.8", new Date("2026-11-30T08:00:00Z"))
      const { status } = await projectionsWith({ HONEYHOLE_ELASTICSEARCH__NODE: double.url, HONEYHOLE_ELASTICSEARCH__INDEX: "hh-app" }, async (runtime) => {
        await runtime.runPromise(Effect.flatMap(EventStore, (store) => store.append("attacker-8.8.8.8", events, "any")))
        await runtime.runPromise(Effect.flatMap(Projections, (runner) => runner.catchUp("search")))
      })
      expect(status.find((s) => s.name === "search")).toMatchObject({ events: 4, lag: 0 })
      expect([...double.templates.keys()]).toEqual(["hh-app"])
      expect([...double.policies.keys()]).toEqual(["hh-app-retention"])
      const doc = double.indices.get("hh-app-2026.11.30")?.get(events[0]!.eventId) as { source: { ip: string; geo?: { country_iso_code: string; location: { lat: number; lon: number } } }; honeyhole: { geohash?: string } }
      expect(doc.source.ip).toBe("8.8.8.8")
      expect(doc.source.geo?.country_iso_code).toMatch(/^[A-Z]{2}$/)
      expect(typeof doc.source.geo?.location.lat).toBe("number")
      expect(doc.honeyhole.geohash).toMatch(/^[0-9b-hjkmnp-z]{7}$/)
    } finally {
      await double.close()
    }
  })
})

describe(`search projection ${target}`, () => {
  let es: Target
  let h: Harness | undefined
  beforeAll(async () => {
    es = await startTarget()
  })
  afterEach(async () => {
    await h?.dispose()
    h = undefined
  })
  afterAll(() => es?.close())

  it("indexes every contact event once, resumes from its checkpoint after a restart, and a rebuild does not duplicate", async () => {
    h = await makeHarness(es.url)
    const first = contact("203.0.113.7", new Date("2026-11-29T23:59:59.999Z"))
    const second = contact("198.51.100.20", new Date("2026-11-30T08:00:00Z"), "sip")
    await h.append("attacker-203.0.113.7", first)
    await h.append("attacker-198.51.100.20", second)
    const following = h.runtime.runFork(h.runner.follow(h.projection))
    await h.waitForLag0()
    expect(await h.count()).toBe(8)

    // live
    const third = contact("203.0.113.7", new Date("2026-11-30T09:00:00Z"))
    await h.append("attacker-203.0.113.7", third)
    await h.waitForLag0()
    await h.run(Fiber.interrupt(following))

    // while stopped: the restart resumes after the checkpoint, not from the start
    const fourth = contact("203.0.113.9", new Date("2026-11-30T10:00:00Z"))
    await h.append("attacker-203.0.113.9", fourth)
    expect((await h.status()).lag).toBe(4)
    const again = h.runtime.runFork(h.runner.follow(h.projection))
    await h.waitForLag0()
    await h.run(Fiber.interrupt(again))
    expect(await h.count()).toBe(16)
    expect(await h.status()).toMatchObject({ name: "search", events: 16, lag: 0, lastError: null, counters: { rejected: 0 } })
    const all = [...first, ...second, ...third, ...fourth]
    if (es.double !== null) expect([...es.double.bulkItemsSeen.values()]).toEqual(all.map(() => 1))

    // each document under its event id, in the index of its event's day
    const opened = await h.client.get<{ event: { id: string; action: string }; source: { ip: string } }>({ index: `${h.prefix}-2026.11.29`, id: first[0]!.eventId })
    expect(opened._source).toMatchObject({ event: { id: first[0]!.eventId, action: "contact-opened" }, source: { ip: "203.0.113.7" } })
    const names = Object.keys(await h.client.indices.get({ index: `${h.prefix}-*` })).sort()
    expect(names).toEqual([`${h.prefix}-2026.11.29`, `${h.prefix}-2026.11.30`])

    const progress: Array<[number, number]> = []
    const rebuilt = await h.run(h.runner.rebuild("search", (d, t) => Effect.sync(() => progress.push([d, t]))))
    expect(rebuilt.events).toBe(16)
    expect(progress[0]).toEqual([0, 16])
    expect(progress.at(-1)).toEqual([16, 16])
    expect(await h.count()).toBe(16)
    expect(await h.status()).toMatchObject({ events: 16, lag: 0 })
    if (es.double !== null) expect([...es.double.bulkItemsSeen.values()]).toEqual(all.map(() => 2))
  })

  it("creates its template and policy at start, and a rebuild deletes only its own dated indices", async () => {
    h = await makeHarness(es.url)
    await h.append("attacker-203.0.113.7", contact("203.0.113.7", new Date("2026-11-30T08:00:00Z")))
    await h.run(h.runner.catchUp("search"))
    const template = await h.client.indices.getIndexTemplate({ name: h.prefix })
    expect(template.index_templates[0]!.index_template.index_patterns).toEqual([`${h.prefix}-*`])
    const policy = await h.client.ilm.getLifecycle({ name: `${h.prefix}-retention` })
    expect(policy[`${h.prefix}-retention`]!.policy.phases.delete!.min_age).toBe("30d")
    // someone else's index under our prefix, not in our naming scheme (dated, as our
    // template's parse_origination_date requires of every index it matches)
    const foreign = `${h.prefix}-archive-2026.11.30`
    await h.client.indices.create({ index: foreign })
    await h.run(h.runner.rebuild("search", () => Effect.void))
    expect(await h.client.indices.exists({ index: foreign })).toBe(true)
    await h.client.indices.delete({ index: foreign })
    expect(await h.count()).toBe(4)
  })

  it("a rebuild deletes every dated index, however many (deletes are sent in groups)", async () => {
    h = await makeHarness(es.url)
    const days = 60
    for (let d = 0; d < days; d++) {
      await h.append(`attacker-203.0.113.${d}`, contact(`203.0.113.${d}`, new Date(Date.UTC(2026, 9, 1 + d, 12))).slice(0, 1))
    }
    await h.run(h.runner.catchUp("search"))
    expect(Object.keys(await h.client.indices.get({ index: `${h.prefix}-*` }))).toHaveLength(days)
    if (es.double !== null) es.double.requests.length = 0
    await h.run(h.runner.rebuild("search", () => Effect.void))
    if (es.double !== null) expect(es.double.requests.filter((r) => r.startsWith("DELETE"))).toHaveLength(2)
    expect(Object.keys(await h.client.indices.get({ index: `${h.prefix}-*` }))).toHaveLength(days)
    expect(await h.count()).toBe(days)
  })
})
