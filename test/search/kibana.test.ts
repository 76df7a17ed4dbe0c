/**
 * Kibana: the shipped saved objects (config/kibana/honeyhole.ndjson) checked against the
 * index template's mappings, and `honeyhole kibana import` against a wire-level Kibana double:
 * node:http on 127.0.0.1 that parses the multipart body, demands kbn-xsrf and answers with
 * Kibana's own response shapes. The main scenario runs the real binary as operators do; the
 * failure cases run the command's body in-process (same code, no child process per case).
 * With HONEYHOLE_TEST_KIBANA_URL set, the import scenario runs against that real Kibana.
 */
import { Cause, Effect, Either, Exit, Option, Redacted } from "effect"
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import type { SavedObject } from "../../adapters/kibana/index.js"
import { parseKibanaUrl, parseSavedObjects, spaceUrl } from "../../adapters/kibana/index.js"
import { renderNdjson } from "../../config/kibana/generate.js"
import { ContactClosed, ContactOpened, CredentialsTried, envelope, PayloadReceived, Position } from "../../domain/events/index.js"
import type { DomainEvent, RecordedEvent } from "../../domain/events/index.js"
import type { SearchDocument } from "../../domain/search/document.js"
import { toSearchDocument } from "../../domain/search/document.js"
import type { GeoLookup } from "../../domain/search/geo.js"
import { AppConfig } from "../../src/AppConfig.js"
import type { ImportFlags } from "../../src/cli/kibana.js"
import { kibanaImport, resolveAuth } from "../../src/cli/kibana.js"
import { freeTcpPort } from "../support/free-port.js"

const root = resolve(import.meta.dirname, "../..")
const ndjsonFile = join(root, "config/kibana/honeyhole.ndjson")
const templateFile = join(root, "config/elasticsearch/index-template.json")
const bin = join(root, "bin/honeyhole.js")

const loadObjects = (): ReadonlyArray<SavedObject> =>
  Either.getOrThrowWith(parseSavedObjects(readFileSync(ndjsonFile, "utf8"), ndjsonFile), (e) => new Error(e.message))

// ---------------------------------------------------------------- mappings and field usage

/** field path → ES type, from the template's (nested) properties and multi-fields */
interface MappingDef {
  readonly type?: string
  readonly properties?: Readonly<Record<string, MappingDef>>
  readonly fields?: Readonly<Record<string, MappingDef>>
}
const flattenMappings = (properties: Readonly<Record<string, MappingDef>>, prefix = "", out = new Map<string, string>()): Map<string, string> => {
  for (const [name, def] of Object.entries(properties)) {
    const path = `${prefix}${name}`
    if (def.properties !== undefined) flattenMappings(def.properties, `${path}.`, out)
    if (def.type !== undefined) out.set(path, def.type)
    for (const [sub, subDef] of Object.entries(def.fields ?? {})) if (subDef.type !== undefined) out.set(`${path}.${sub}`, subDef.type)
  }
  return out
}

/** which mapping types each aggregation may run on */
const aggregatable: Record<string, ReadonlyArray<string>> = {
  terms: ["keyword", "ip", "long", "integer", "boolean", "constant_keyword"],
  date_histogram: ["date", "date_nanos"],
  geo_grid: ["geo_point"],
  kql: ["keyword", "ip", "long", "integer", "boolean", "date", "text", "constant_keyword"]
}

interface FieldUse {
  readonly object: string
  readonly field: string
  readonly use: string
}

/** The slice of a Lens saved object's state these checks read. */
interface LensColumn {
  readonly operationType: string
  readonly sourceField: string
  readonly params?: { readonly interval?: string }
}
interface LensState {
  readonly datasourceStates: { readonly formBased: { readonly layers: Readonly<Record<string, { readonly columns: Readonly<Record<string, LensColumn>> }>> } }
  readonly query: { readonly query: string }
}
const lensState = (o: SavedObject): LensState => o.attributes.state as LensState

/** every field a chart aggregates on or queries, with how it uses it */
const fieldUses = (objects: ReadonlyArray<SavedObject>): ReadonlyArray<FieldUse> => {
  const uses: Array<FieldUse> = []
  const kqlFields = (object: string, query: unknown) => {
    const text = (query as { query?: unknown } | undefined)?.query
    if (typeof text === "string") for (const m of text.matchAll(/([\w.@]+)\s*:/g)) uses.push({ object, field: m[1]!, use: "kql" })
  }
  for (const o of objects) {
    if (o.type === "lens") {
      const state = lensState(o)
      for (const layer of Object.values(state.datasourceStates.formBased.layers)) {
        for (const col of Object.values(layer.columns)) {
          if (col.operationType === "count") continue
          uses.push({ object: o.id, field: col.sourceField, use: col.operationType })
        }
      }
      kqlFields(o.id, state.query)
    }
    if (o.type === "map") {
      for (const layer of JSON.parse(o.attributes.layerListJSON as string)) {
        const source = layer.sourceDescriptor
        if (source.type === "ES_GEO_GRID") uses.push({ object: o.id, field: source.geoField, use: "geo_grid" })
      }
      kqlFields(o.id, JSON.parse(o.attributes.mapStateJSON as string).query)
    }
  }
  return uses
}

const fieldProblems = (objects: ReadonlyArray<SavedObject>, mapping: Map<string, string>): ReadonlyArray<string> =>
  fieldUses(objects).flatMap(({ object, field, use }) => {
    const type = mapping.get(field)
    if (type === undefined) return [`${object}: ${use} on ${field}, which the template does not map`]
    const allowed = aggregatable[use]
    if (allowed === undefined) return [`${object}: unexpected operation ${use} on ${field}`]
    return allowed.includes(type) ? [] : [`${object}: ${use} on ${field}, mapped as ${type} (needs ${allowed.join("/")})`]
  })

describe("config/kibana/honeyhole.ndjson (saved objects)", () => {
  const objects = loadObjects()
  const template = JSON.parse(readFileSync(templateFile, "utf8"))
  const mapping = flattenMappings(template.template.mappings.properties)
  const byKey = new Map(objects.map((o) => [`${o.type}/${o.id}`, o]))
  const dataView = objects.find((o) => o.type === "index-pattern")!
  const dashboard = objects.find((o) => o.type === "dashboard")!

  it("is one saved object per line, with unique ids and Kibana 8.x migration versions", () => {
    const lines = readFileSync(ndjsonFile, "utf8").trimEnd().split("\n")
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(objects.map((o) => o.id))
    expect(new Set(objects.map((o) => o.id)).size).toBe(objects.length)
    for (const o of objects) {
      expect(o.coreMigrationVersion, o.id).toBe("8.8.0")
      expect(o.typeMigrationVersion, o.id).toMatch(/^\d+\.\d+\.\d+$/)
    }
    expect(objects.map((o) => o.type).sort()).toEqual(["dashboard", "index-pattern", "lens", "lens", "lens", "lens", "lens", "lens", "lens", "lens", "map"])
  })

  it("is exactly what config/kibana/generate.ts renders (regenerate after editing either)", () => {
    expect(readFileSync(ndjsonFile, "utf8")).toBe(renderNdjson())
  })

  it("has a data view over the template's indices, timed by @timestamp, with a fixed id", () => {
    expect(dataView.id).toBe("honeyhole-events")
    expect(dataView.attributes.title).toBe("honeyhole-events-*")
    expect(template.index_patterns).toContain(dataView.attributes.title)
    expect(dataView.attributes.timeFieldName).toBe("@timestamp")
    expect(mapping.get("@timestamp")).toBe("date")
  })

  it("every reference resolves to the data view or another object in the file", () => {
    for (const o of objects) {
      for (const r of o.references) expect(byKey.has(`${r.type}/${r.id}`), `${o.id} → ${r.type}/${r.id}`).toBe(true)
      if (o.type === "lens") {
        const layers = Object.keys(lensState(o).datasourceStates.formBased.layers)
        expect(layers.length).toBeGreaterThan(0)
        for (const layer of layers) {
          expect(o.references, `${o.id} layer ${layer}`).toContainEqual({ id: dataView.id, name: `indexpattern-datasource-layer-${layer}`, type: "index-pattern" })
        }
      }
      if (o.type === "map") {
        for (const layer of JSON.parse(o.attributes.layerListJSON as string)) {
          const ref = layer.sourceDescriptor.indexPatternRefName
          if (ref !== undefined) expect(o.references, `${o.id} ${layer.id}`).toContainEqual({ id: dataView.id, name: ref, type: "index-pattern" })
        }
      }
    }
  })

  it("the dashboard's panels reference every chart, without overlapping on the 48-column grid", () => {
    const panels = JSON.parse(dashboard.attributes.panelsJSON as string) as Array<{
      readonly panelIndex: string
      readonly panelRefName: string
      readonly type: string
      readonly gridData: { readonly i: string; readonly x: number; readonly y: number; readonly w: number; readonly h: number }
    }>
    const shown = panels.map((p) => {
      const ref = dashboard.references.find((r) => r.name === `${p.panelIndex}:${p.panelRefName}`)
      expect(ref, `panel ${p.panelIndex}`).toBeDefined()
      expect(ref!.type).toBe(p.type)
      expect(byKey.has(`${ref!.type}/${ref!.id}`), `panel ${p.panelIndex} → ${ref!.id}`).toBe(true)
      return ref!.id
    })
    const charts = objects.filter((o) => o.type === "lens" || o.type === "map").map((o) => o.id)
    expect(shown.sort()).toEqual(charts.sort())
    const cells = new Set<string>()
    for (const { gridData: g, panelIndex } of panels) {
      expect(g.i).toBe(panelIndex)
      expect(g.x + g.w, `panel ${panelIndex}`).toBeLessThanOrEqual(48)
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `panel ${panelIndex} overlaps at ${x},${y}`).toBe(false)
          cells.add(`${x},${y}`)
        }
      }
    }
    expect(dashboard.attributes.timeRestore).toBe(true)
  })

  it("every field a chart aggregates or queries is mapped by the index template with a type that supports it", () => {
    expect(fieldUses(objects).length).toBeGreaterThan(10)
    expect(fieldProblems(objects, mapping)).toEqual([])
  })

  it("the field check catches unmapped fields and wrong types (text under terms, keyword under a geo grid)", () => {
    const broken = objects.map((o) => {
      if (o.id === "honeyhole-events-by-service") return JSON.parse(JSON.stringify(o).replaceAll('"honeyhole.service"', '"honeyhole.payload.text"'))
      if (o.id === "honeyhole-sources-map") return JSON.parse(JSON.stringify(o).replaceAll("source.geo.location", "honeyhole.geohash"))
      if (o.id === "honeyhole-top-credentials") return JSON.parse(JSON.stringify(o).replaceAll("user.name", "user.nickname"))
      return o
    })
    expect(fieldProblems(broken, mapping)).toEqual([
      "honeyhole-events-by-service: terms on honeyhole.payload.text, mapped as text (needs keyword/ip/long/integer/boolean/constant_keyword)",
      "honeyhole-top-credentials: terms on user.nickname, which the template does not map",
      "honeyhole-sources-map: geo_grid on honeyhole.geohash, mapped as keyword (needs geo_point)"
    ])
  })

  it("has the seed's charts (ch. 4.7, 5.2): hosts, services, protocols, country × service, continents, map, SIP methods, per day, credentials", () => {
    const uses = fieldUses(objects)
    const fieldsOf = (id: string) => uses.filter((u) => u.object === id && u.use !== "kql").map((u) => `${u.use}:${u.field}`)
    const charts = new Map(objects.filter((o) => o.type === "lens" || o.type === "map").map((o) => [o.id, fieldsOf(o.id)]))
    const has = (...needed: Array<string>) => [...charts.values()].some((fields) => needed.every((n) => fields.includes(n)))
    expect(has("terms:source.ip")).toBe(true)
    expect(has("terms:honeyhole.service")).toBe(true)
    expect(has("terms:network.transport", "terms:network.protocol")).toBe(true)
    expect(has("terms:source.geo.country_iso_code", "terms:honeyhole.service")).toBe(true)
    expect(has("terms:source.geo.continent_code")).toBe(true)
    expect(has("geo_grid:source.geo.location")).toBe(true)
    expect(has("terms:honeyhole.sip.method")).toBe(true)
    expect(has("date_histogram:@timestamp")).toBe(true)
    expect(has("terms:user.name", "terms:honeyhole.credentials.password")).toBe(true)
    const perDay = objects.find((o) => fieldsOf(o.id).includes("date_histogram:@timestamp"))!
    const day = Object.values(lensState(perDay).datasourceStates.formBased.layers["main"]?.columns ?? {}).find((c) => c.operationType === "date_histogram")
    expect(day?.params?.interval).toBe("1d")
  })
})

/** a SIP session and a telnet login as the sensor records them, mapped by the search projection */
const sampleDocuments = (): ReadonlyArray<SearchDocument> => {
  const geo: GeoLookup = {
    lookup: () => ({ countryIsoCode: "CN", continentCode: "AS", continentName: "Asia", cityName: "Beijing", location: { lat: 39.9, lon: 116.4 }, geohash: "wx4g0bm" })
  }
  const at = new Date("2026-11-30T09:00:00Z")
  const session = (sessionId: string, service: string) => ({ sessionId, sensor: "sensor-1", service })
  const opened = (sessionId: string, service: string, plugin: string, transport: "tcp" | "udp", port: number) =>
    new ContactOpened({ ...session(sessionId, service), plugin, transport, sourceIp: "203.0.113.7", sourcePort: 40000, localIp: "127.0.0.1", localPort: port, publicPort: port })
  const events: ReadonlyArray<DomainEvent> = [
    opened("s1", "sip", "sip", "udp", 5060),
    new PayloadReceived({ ...session("s1", "sip"), length: 10, md5: "0".repeat(32), hex: "", text: "INVITE", truncated: false, facts: { method: "INVITE", requestUri: "sip:0046@198.51.100.1", callId: "c1", dialled: "0046" } }),
    opened("s2", "telnet", "telnet", "tcp", 23),
    new CredentialsTried({ ...session("s2", "telnet"), username: "root", password: "1234", method: "password", detail: {} }),
    new ContactClosed({ ...session("s2", "telnet"), durationMs: 5, bytesIn: 1, bytesOut: 2, reason: "eof" })
  ]
  return events.map((e, i) => {
    const n = envelope(e, { eventId: `00000000-0000-4000-8000-00000000000${i}`, at })
    const recorded: RecordedEvent = { stream: "attacker-203.0.113.7", revision: i, position: Position(String(i)), eventId: n.eventId, type: n.type, data: n.data, metadata: n.metadata }
    return toSearchDocument(recorded, geo)!
  })
}

const valueAt = (doc: unknown, path: string): unknown => {
  // ECS objects are nested; a flat "a.b" key is allowed too
  let here: unknown = doc
  const parts = path.split(".")
  for (let i = 0; i < parts.length; i++) {
    if (typeof here !== "object" || here === null) return undefined
    const rest = parts.slice(i).join(".")
    if (rest in here) return (here as Record<string, unknown>)[rest]
    here = (here as Record<string, unknown>)[parts[i]!]
  }
  return here
}

describe("the charts and the search projection's documents", () => {
  it("every field a chart uses is filled by toSearchDocument for the events that chart counts", () => {
    const docs = sampleDocuments()
    const objects = loadObjects()
    const problems: Array<string> = []
    for (const o of objects.filter((x) => x.type === "lens" || x.type === "map")) {
      const query = o.type === "lens" ? String(lensState(o).query.query) : ""
      const action = /event\.action\s*:\s*"([^"]+)"/.exec(query)?.[1]
      const counted = docs.filter((d) => action === undefined || d.event.action === action)
      if (counted.length === 0) problems.push(`${o.id}: no sample document matches ${query}`)
      for (const use of fieldUses([o]).filter((u) => u.use !== "kql")) {
        if (!counted.some((d) => valueAt(d, use.field) !== undefined)) problems.push(`${o.id}: no document counted by it has ${use.field}`)
      }
    }
    expect(problems).toEqual([])
    const login = docs.find((d) => d.event.action === "credentials-tried")!
    expect([valueAt(login, "user.name"), valueAt(login, "honeyhole.credentials.password")]).toEqual(["root", "1234"])
  })
})

describe("kibana import: URL and credentials", () => {
  it("takes user:password out of the URL (fetch refuses them), keeps a basePath, prefixes spaces", () => {
    expect(Either.getOrThrow(parseKibanaUrl("http://elastic:p%40ss@kibana.example:5601/kb/?x=1#top"))).toEqual({
      base: "http://kibana.example:5601/kb",
      username: "elastic",
      password: "p@ss"
    })
    expect(spaceUrl("http://k:5601/kb", "noc")).toBe("http://k:5601/kb/s/noc")
    expect(spaceUrl("http://k:5601", "default")).toBe("http://k:5601")
    expect(Either.isLeft(parseKibanaUrl("127.0.0.1:5601"))).toBe(true)
  })


  const none = { username: null, password: null, apiKey: null }
  const noUrl = { username: null, password: null }
  it("takes flags, then KIBANA_* env, then the URL, then the Elasticsearch credentials", () => {
    const pw = Redacted.make("s3cret")
    const auth = (
      flags: Partial<Parameters<typeof resolveAuth>[0]>,
      env = {},
      url: Parameters<typeof resolveAuth>[2] = noUrl,
      es: Parameters<typeof resolveAuth>[3] = none
    ) =>
      resolveAuth({ user: null, password: null, apiKey: null, ...flags }, env, url, es)
    expect(Either.getOrThrow(auth({ user: "noc", password: pw }, { KIBANA_API_KEY: "k" }))).toMatchObject({ _tag: "Basic", username: "noc" })
    expect(Either.getOrThrow(auth({}, { KIBANA_USERNAME: "u", KIBANA_PASSWORD: "p" }))).toMatchObject({ _tag: "Basic", username: "u" })
    expect(Either.getOrThrow(auth({}, {}, { username: "urluser", password: "x" }))).toMatchObject({ _tag: "Basic", username: "urluser" })
    expect(Either.getOrThrow(auth({}, {}, noUrl, { ...none, apiKey: "esKey" }))).toMatchObject({ _tag: "ApiKey" })
    expect(Either.getOrThrow(auth({}))).toEqual({ _tag: "None" })
    expect(Either.match(auth({ user: "noc" }), { onLeft: (e) => e.message, onRight: () => "accepted" })).toMatch(/--user noc needs a password/)
    expect(Either.isLeft(auth({ apiKey: Redacted.make("k"), password: pw }))).toBe(true)
    expect(Either.match(auth({}, { KIBANA_PASSWORD: "p" }), { onLeft: (e) => e.message, onRight: () => "accepted" })).toBe("KIBANA_PASSWORD needs KIBANA_USERNAME")
  })
})

// ---------------------------------------------------------------- the wire-level Kibana double

interface DoubleRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Http.IncomingHttpHeaders
  readonly filename: string | null
  readonly objects: ReadonlyArray<SavedObject>
}

/**
 * Kibana's import endpoint as seen on the wire: hapi-style error bodies, kbn-xsrf required,
 * spaces under /s/<id>, conflicts unless ?overwrite=true, and the per-object result arrays.
 */
const startKibanaDouble = async (
  options: { spaces?: ReadonlyArray<string>; basicAuth?: { user: string; password: string }; apiKey?: string; unsupportedTypes?: ReadonlyArray<string> } = {}
) => {
  const stored = new Map<string, Map<string, SavedObject>>()
  const requests: Array<DoubleRequest> = []
  const icon = (type: string) => ({ "index-pattern": "indexPatternApp", lens: "lensApp", map: "gisApp", dashboard: "dashboardApp" })[type] ?? "questionInCircle"
  const title = (o: SavedObject) => String(o.attributes.title ?? o.id)
  const server = Http.createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", "kbn-name": "kibana-double" })
      res.end(JSON.stringify(body))
    }
    const chunks: Array<Buffer> = []
    for await (const c of req) chunks.push(c as Buffer)
    const url = new URL(req.url ?? "/", "http://double")
    const match = /^(?:\/s\/([^/]+))?\/api\/saved_objects\/_import$/.exec(url.pathname)
    let filename: string | null = null
    let objects: ReadonlyArray<SavedObject> = []
    if (match && req.method === "POST" && String(req.headers["content-type"]).startsWith("multipart/form-data")) {
      const form = await new Response(Buffer.concat(chunks), { headers: { "content-type": String(req.headers["content-type"]) } }).formData()
      const file = form.get("file")
      if (file instanceof File) {
        filename = file.name
        objects = Either.getOrElse(parseSavedObjects(await file.text(), "upload"), () => [])
      }
    }
    requests.push({ method: req.method ?? "", path: url.pathname, query: url.searchParams, headers: req.headers, filename, objects })
    if (!match || req.method !== "POST") return send(404, { statusCode: 404, error: "Not Found", message: "Not Found" })
    const space = match[1] ?? "default"
    if (!["default", ...(options.spaces ?? [])].includes(space)) return send(404, { statusCode: 404, error: "Not Found", message: "Not Found" })
    if (req.headers["kbn-xsrf"] === undefined) return send(400, { statusCode: 400, error: "Bad Request", message: "Request must contain a kbn-xsrf header." })
    if (options.basicAuth !== undefined || options.apiKey !== undefined) {
      const accepted = [
        ...(options.basicAuth === undefined ? [] : [`Basic ${Buffer.from(`${options.basicAuth.user}:${options.basicAuth.password}`).toString("base64")}`]),
        ...(options.apiKey === undefined ? [] : [`ApiKey ${options.apiKey}`])
      ]
      if (!accepted.includes(String(req.headers.authorization))) {
        return send(401, { statusCode: 401, error: "Unauthorized", message: "[security_exception]: unable to authenticate user" })
      }
    }
    if (filename === null) return send(400, { statusCode: 400, error: "Bad Request", message: "[request body.file]: expected value of type [Stream] but got [undefined]" })
    const store = stored.get(space) ?? new Map<string, SavedObject>()
    stored.set(space, store)
    const overwrite = url.searchParams.get("overwrite") === "true"
    const successResults: Array<unknown> = []
    const errors: Array<unknown> = []
    for (const o of objects) {
      const key = `${o.type}/${o.id}`
      const meta = { title: title(o), icon: icon(o.type) }
      if (options.unsupportedTypes?.includes(o.type)) {
        errors.push({ id: o.id, type: o.type, title: title(o), meta, error: { type: "unsupported_type" } })
        continue
      }
      const missing = o.references.filter((r) => !objects.some((x) => x.type === r.type && x.id === r.id) && !store.has(`${r.type}/${r.id}`))
      if (missing.length > 0) {
        errors.push({ id: o.id, type: o.type, title: title(o), meta, error: { type: "missing_references", references: missing.map((r) => ({ type: r.type, id: r.id })) } })
        continue
      }
      if (store.has(key) && !overwrite) {
        errors.push({ id: o.id, type: o.type, title: title(o), meta, error: { type: "conflict" } })
        continue
      }
      successResults.push({ type: o.type, id: o.id, meta, ...(store.has(key) ? { overwrite: true } : {}) })
      store.set(key, o)
    }
    send(200, { successCount: successResults.length, success: errors.length === 0, warnings: [], successResults, ...(errors.length > 0 ? { errors } : {}) })
  })
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, requests, stored, close: () => new Promise<void>((ok) => server.close(() => ok())) }
}

/** runs the real binary in a temp dir, with no KIBANA_* or HONEYHOLE_* leaking in from the caller */
const cwd = mkdtempSync(join(tmpdir(), "hh-kibana-"))
const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("KIBANA_") && !k.startsWith("HONEYHOLE_")))
  return promisify(execFile)(process.execPath, [bin, "kibana", "import", ...args], { cwd, env: { ...clean, ...env } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr })
  )
}

type Flags = Partial<{ url: string; space: string; overwrite: boolean; user: string; password: string; apiKey: string; file: string; json: boolean }>

/** the command's body in this process: same output lines and exit status main.ts would give */
const runHere = async (f: Flags, env: Record<string, string> = {}) => {
  const flags: ImportFlags = {
    url: Option.fromNullable(f.url),
    space: Option.fromNullable(f.space),
    overwrite: f.overwrite ?? false,
    user: Option.fromNullable(f.user),
    password: Option.map(Option.fromNullable(f.password), Redacted.make),
    apiKey: Option.map(Option.fromNullable(f.apiKey), Redacted.make),
    file: Option.fromNullable(f.file),
    json: f.json ?? false
  }
  const stdout: Array<string> = []
  const stderr: Array<string> = []
  const log = vi.spyOn(console, "log").mockImplementation((...a: Array<unknown>) => void stdout.push(a.join(" ")))
  const error = vi.spyOn(console, "error").mockImplementation((...a: Array<unknown>) => void stderr.push(a.join(" ")))
  try {
    const exit = await Effect.runPromiseExit(kibanaImport(flags, env).pipe(Effect.provide(AppConfig.layer({ env, cwd }))))
    if (Exit.isFailure(exit)) {
      const failure = Cause.failureOption(exit.cause)
      stderr.push(`honeyhole: ${Option.match(failure, { onNone: () => Cause.pretty(exit.cause), onSome: (e) => e.message })}`)
    }
    return { code: Exit.isSuccess(exit) ? 0 : 1, stdout: stdout.join("\n"), stderr: stderr.join("\n") }
  } finally {
    log.mockRestore()
    error.mockRestore()
  }
}

const realKibana = process.env.HONEYHOLE_TEST_KIBANA_URL
const target = realKibana === undefined ? "the Kibana double" : `the real Kibana at HONEYHOLE_TEST_KIBANA_URL`

describe(`honeyhole kibana import against ${target}`, () => {
  let double: Awaited<ReturnType<typeof startKibanaDouble>>
  let url: string
  beforeAll(async () => {
    double = await startKibanaDouble({ spaces: ["noc"] })
    url = realKibana ?? double.url
  })
  afterAll(() => double.close())
  const realAuth = (): Record<string, string> =>
    Object.fromEntries(["KIBANA_USERNAME", "KIBANA_PASSWORD", "KIBANA_API_KEY"].flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]!]])))

  it("imports all objects, reports them and where the dashboard is; a second run without --overwrite reports conflicts", async () => {
    if (realKibana !== undefined) {
      // a real Kibana may hold them from an earlier run: make sure they exist, then expect conflicts
      expect((await run(["--url", url, "--overwrite"], realAuth())).code).toBe(0)
    } else {
      const first = await run(["--url", url])
      expect(first.stderr).toBe("")
      expect(first.code).toBe(0)
      expect(first.stdout).toContain(`imported 11 of 11 saved objects into Kibana at ${url} without credentials: 1 index-pattern, 8 lens, 1 map, 1 dashboard`)
      expect(first.stdout).toContain("data view: honeyhole-events-* (id honeyhole-events)")
      expect(first.stdout).toContain(`dashboard: ${url}/app/dashboards#/view/honeyhole-dashboard`)
      const req = double.requests.at(-1)!
      expect(req.path).toBe("/api/saved_objects/_import")
      expect(req.headers["kbn-xsrf"]).toBe("true")
      expect(req.query.has("overwrite")).toBe(false)
      expect(req.filename).toBe("honeyhole.ndjson")
      expect(req.objects.map((o) => o.id)).toEqual(loadObjects().map((o) => o.id))
    }
    const again = await run(["--url", url], realAuth())
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('dashboard "honeyhole-dashboard" ([honeyhole] Honeypot attacks): already exists — rerun with --overwrite to replace it')
    expect(again.stderr).toMatch(/honeyhole: 11 of 11 saved objects were not imported into Kibana at .* \(listed above\)/)

    const overwrite = await run(["--url", url, "--overwrite", "--json"], realAuth())
    expect(overwrite.code).toBe(0)
    const answer = JSON.parse(overwrite.stdout)
    expect(answer).toMatchObject({ success: true, successCount: 11, dataView: { id: "honeyhole-events", title: "honeyhole-events-*" } })
    if (realKibana === undefined) {
      expect(double.requests.at(-1)!.query.get("overwrite")).toBe("true")
      expect(answer.successResults.every((r: { overwrite?: boolean }) => r.overwrite === true)).toBe(true)
    }
  })

  it.skipIf(realKibana !== undefined)("--space posts under /s/<space> and links the dashboard there; an unknown space is named (double only: spaces differ)", async () => {
    const ok = await runHere({ url: `${url}/`, space: "noc" })
    expect(ok.code).toBe(0)
    expect(double.requests.at(-1)!.path).toBe("/s/noc/api/saved_objects/_import")
    expect(ok.stdout).toContain(`dashboard: ${url}/s/noc/app/dashboards#/view/honeyhole-dashboard`)
    const missing = await runHere({ url, space: "nope" })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain(`no saved-objects import API at ${url}/s/nope/api/saved_objects/_import (HTTP 404: Not Found)`)
    expect(missing.stderr).toContain('and that space "nope" exists')
  })

  it.skipIf(realKibana !== undefined)("the data view follows elasticsearch.index (double only: inspects the upload)", async () => {
    const r = await runHere({ url, space: "noc", overwrite: true }, { HONEYHOLE_ELASTICSEARCH__INDEX: "hh-prod" })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("data view: hh-prod-* (id honeyhole-events)")
    const view = double.requests.at(-1)!.objects.find((o) => o.type === "index-pattern")!
    expect(view.attributes.title).toBe("hh-prod-*")
  })
})

describe("honeyhole kibana import: failures (in-process, against the Kibana double or nothing)", () => {
  it("bad credentials are a 401 with what to do; KIBANA_USERNAME/KIBANA_PASSWORD, --user/--password, --api-key or elasticsearch.* credentials fix it", async () => {
    const double = await startKibanaDouble({ basicAuth: { user: "elastic", password: "changeme" }, apiKey: "aWQ6a2V5" })
    try {
      const anonymous = await runHere({ url: double.url })
      expect(anonymous.code).toBe(1)
      expect(anonymous.stderr).toContain(`Kibana at ${double.url} refused the credentials (HTTP 401: [security_exception]: unable to authenticate user)`)
      expect(anonymous.stderr).toContain("--user/--password or --api-key")
      const env = await runHere({ url: double.url }, { KIBANA_USERNAME: "elastic", KIBANA_PASSWORD: "changeme" })
      expect(env.code).toBe(0)
      expect(env.stdout).toContain('as user "elastic"')
      const flags = await runHere({ url: double.url, overwrite: true, user: "elastic", password: "changeme" })
      expect(flags.code).toBe(0)
      // the password never reaches the output
      expect(flags.stdout + flags.stderr).not.toContain("changeme")
      const key = await runHere({ url: double.url, overwrite: true, apiKey: "aWQ6a2V5" })
      expect(key.code).toBe(0)
      expect(key.stdout).toContain("with an API key")
      expect(double.requests.at(-1)!.headers.authorization).toBe("ApiKey aWQ6a2V5")
      // no flags or KIBANA_* variables: the configuration's Elasticsearch credentials are tried
      const fromConfig = await runHere({ url: double.url, overwrite: true }, { HONEYHOLE_ELASTICSEARCH__USERNAME: "elastic", HONEYHOLE_ELASTICSEARCH__PASSWORD: "changeme" })
      expect(fromConfig.code).toBe(0)
      expect(fromConfig.stdout).toContain('as user "elastic"')
    } finally {
      await double.close()
    }
  })

  it("objects Kibana refuses are listed one by one with the reason, and the exit code is 1", async () => {
    const double = await startKibanaDouble({ unsupportedTypes: ["map"] })
    try {
      const r = await runHere({ url: double.url })
      expect(r.code).toBe(1)
      expect(r.stdout).toContain("imported 10 of 11 saved objects")
      expect(r.stderr).toContain('map "honeyhole-sources-map" ([honeyhole] Map of attack sources): this Kibana does not know the type "map"')
      expect(r.stderr).toContain("honeyhole: 1 of 11 saved objects were not imported")
    } finally {
      await double.close()
    }
  })

  it("connection refused names the URL and asks whether Kibana runs", async () => {
    const port = await freeTcpPort()
    const r = await runHere({ url: `http://127.0.0.1:${port}` })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`honeyhole: cannot reach Kibana at http://127.0.0.1:${port}: connection refused — is Kibana running, and is --url right?`)
    const withPassword = await runHere({ url: `http://elastic:hunter2@127.0.0.1:${port}` })
    expect(withPassword.stderr).toContain(`cannot reach Kibana at http://elastic:***@127.0.0.1:${port}: connection refused`)
    expect(withPassword.stderr).not.toContain("hunter2")
  })

  it("something that is not Kibana (an HTML page, a redirect to a login page) is said to be so", async () => {
    const server = Http.createServer((req, res) => {
      if (req.url?.startsWith("/sso")) {
        res.writeHead(302, { location: "/login?next=%2F" })
        return res.end()
      }
      res.writeHead(200, { "content-type": "text/html" })
      res.end("<html><body>It works!</body></html>")
    })
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const html = await runHere({ url: base })
      expect(html.code).toBe(1)
      expect(html.stderr).toContain(`Kibana at ${base} answered HTTP 200 but not with a saved-objects import result — is this Kibana? (<html><body>It works!</body></html>)`)
      const redirect = await runHere({ url: `${base}/sso` })
      expect(redirect.code).toBe(1)
      expect(redirect.stderr).toContain("redirected the import to /login?next=%2F (HTTP 302) — a login proxy in front of Kibana?")
    } finally {
      await new Promise<void>((ok) => server.close(() => ok()))
    }
  })

  it("a broken --file is refused with its line numbers before anything is sent", async () => {
    const double = await startKibanaDouble()
    try {
      const file = join(cwd, "broken.ndjson")
      const good = readFileSync(ndjsonFile, "utf8").split("\n")[0]
      writeFileSync(file, `${good}\n{"id":"x","type":"lens"\n\n{"type":"lens","attributes":{}}\n`)
      const r = await runHere({ url: double.url, file })
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`${file}:2: not JSON`)
      expect(r.stderr).toContain(`${file}:4: not a saved object (needs a string "id" and "type")`)
      expect(double.requests).toHaveLength(0)
      const absent = await runHere({ url: double.url, file: join(cwd, "absent.ndjson") })
      expect(absent.stderr).toContain(`cannot read --file ${join(cwd, "absent.ndjson")}`)
    } finally {
      await double.close()
    }
  })
})
