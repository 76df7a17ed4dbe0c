/**
 * A wire-level Elasticsearch DOUBLE: a node:http server on 127.0.0.1 speaking the part
 * of ES's REST API the search projection uses, with fault injection. It is not
 * Elasticsearch (no Elasticsearch can run on these machines); tests that use it say so
 * in their names, and run against a real cluster instead when HONEYHOLE_TEST_ES_URL is
 * set (fault-injection tests are then skipped, with the reason in their title).
 *
 * Speaks: `GET /`, `GET|PUT /_ilm/policy/<name>`, `GET|PUT /_index_template/<name>`,
 * `POST /_bulk` (NDJSON, `index` ops; auto-creates indices), `GET /<pattern>` (indices
 * get), `DELETE /<names>` (refuses wildcards, as ES does by default), `/<pattern>/_count`,
 * `/<pattern>/_refresh`, `/<pattern>/_search` (match_all, `size`, `ids` query),
 * `GET /<index>/_doc/<id>`. Every answer carries `x-elastic-product: Elasticsearch`, which
 * the 8.x client checks.
 *
 * Faults: `down()` closes the listener and every connection (connection refused), `up()`
 * listens again on the same port; `stall()` accepts requests and never answers them until
 * `unstall()`; `itemFault(id → {status,type,reason} | null)` answers chosen bulk items with
 * an error (e.g. 400 mapper_parsing_exception, or 429 the first N times).
 * A document whose `source.ip` is not an IP address is refused with 400
 * mapper_parsing_exception, as ES does for an `ip` field.
 */
import { createServer } from "node:http"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { isIP } from "node:net"
import type { Socket } from "node:net"

export interface ItemFault {
  readonly status: number
  readonly type: string
  readonly reason: string
}

export interface EsDouble {
  readonly url: string
  readonly port: number
  /** index name → (id → source) */
  readonly indices: Map<string, Map<string, unknown>>
  readonly templates: Map<string, Record<string, unknown>>
  readonly policies: Map<string, Record<string, unknown>>
  /** every request seen: "METHOD /path" */
  readonly requests: Array<string>
  /** the Authorization header of every request ("" when none) */
  readonly authorizations: Array<string>
  /** bulk items received, by id (re-sends included) */
  readonly bulkItemsSeen: Map<string, number>
  /** requests held by `stall()` */
  readonly stalled: () => number
  itemFault: (id: string, document: Record<string, unknown>, attempt: number) => ItemFault | null
  readonly down: () => Promise<void>
  readonly up: () => Promise<void>
  readonly stall: () => void
  readonly unstall: () => void
  readonly close: () => Promise<void>
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    "content-type": "application/json; charset=UTF-8",
    "x-elastic-product": "Elasticsearch",
    "content-length": Buffer.byteLength(text)
  })
  res.end(text)
}

const notFound = (res: ServerResponse, type: string, reason: string) => json(res, 404, { error: { type, reason, root_cause: [{ type, reason }] }, status: 404 })

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const globToRegExp = (pattern: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`)

export const startEsDouble = async (): Promise<EsDouble> => {
  const indices = new Map<string, Map<string, unknown>>()
  const templates = new Map<string, Record<string, unknown>>()
  const policies = new Map<string, Record<string, unknown>>()
  const requests: Array<string> = []
  const authorizations: Array<string> = []
  const bulkItemsSeen = new Map<string, number>()
  const sockets = new Set<Socket>()
  const held: Array<ServerResponse> = []
  let stalled = false

  const matching = (expr: string) => {
    const parts = decodeURIComponent(expr).split(",")
    return [...indices.keys()].filter((name) => parts.some((p) => globToRegExp(p).test(name))).sort()
  }

  const bulk = (body: string, res: ServerResponse) => {
    const lines = body.split("\n").filter((l) => l.trim() !== "")
    const items: Array<unknown> = []
    let errors = false
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i]!) as { index?: { _index: string; _id: string } }
      const document = JSON.parse(lines[i + 1] ?? "{}") as Record<string, unknown>
      if (action.index === undefined) {
        errors = true
        items.push({ index: { status: 400, error: { type: "illegal_argument_exception", reason: "the double only speaks `index`" } } })
        continue
      }
      const { _index, _id } = action.index
      const attempt = (bulkItemsSeen.get(_id) ?? 0) + 1
      bulkItemsSeen.set(_id, attempt)
      const ip = (document["source"] as { ip?: unknown } | undefined)?.ip
      const fault: ItemFault | null =
        double.itemFault(_id, document, attempt) ??
        (ip !== undefined && (typeof ip !== "string" || isIP(ip) === 0)
          ? { status: 400, type: "mapper_parsing_exception", reason: `failed to parse field [source.ip] of type [ip] in document with id '${_id}'. Preview of field's value: '${String(ip)}'` }
          : null)
      if (fault !== null) {
        errors = true
        items.push({ index: { _index, _id, status: fault.status, error: { type: fault.type, reason: fault.reason } } })
        continue
      }
      const index = indices.get(_index) ?? new Map<string, unknown>()
      indices.set(_index, index)
      const existed = index.has(_id)
      index.set(_id, document)
      items.push({ index: { _index, _id, _version: 1, result: existed ? "updated" : "created", status: existed ? 200 : 201 } })
    }
    json(res, 200, { took: 1, errors, items })
  }

  const search = (names: ReadonlyArray<string>, body: string, url: URL, res: ServerResponse) => {
    const query = body === "" ? {} : (JSON.parse(body) as { size?: number; query?: { ids?: { values: Array<string> } } })
    const size = Number(url.searchParams.get("size") ?? query.size ?? 10)
    const wanted = query.query?.ids?.values
    const hits = names.flatMap((name) =>
      [...indices.get(name)!.entries()].filter(([id]) => wanted === undefined || wanted.includes(id)).map(([id, source]) => ({ _index: name, _id: id, _score: 1, _source: source }))
    )
    json(res, 200, { took: 1, timed_out: false, hits: { total: { value: hits.length, relation: "eq" }, max_score: 1, hits: hits.slice(0, size) } })
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://double")
    const method = req.method ?? "GET"
    const body = await readBody(req)
    requests.push(`${method} ${url.pathname}`)
    authorizations.push(req.headers.authorization ?? "")
    if (stalled) {
      held.push(res)
      return
    }
    const segments = url.pathname.split("/").filter((s) => s !== "")
    const [first, second, third] = segments
    if (segments.length === 0) {
      return json(res, 200, { name: "es-double", cluster_name: "honeyhole-test-double", version: { number: "8.19.0" }, tagline: "You Know, for Search" })
    }
    if (first === "_ilm" && second === "policy" && third !== undefined) {
      if (method === "PUT") {
        const parsed = JSON.parse(body) as { policy: Record<string, unknown> }
        policies.set(third, parsed.policy)
        return json(res, 200, { acknowledged: true })
      }
      const policy = policies.get(third)
      return policy === undefined
        ? notFound(res, "resource_not_found_exception", `Lifecycle policy not found: ${third}`)
        : json(res, 200, { [third]: { version: 1, modified_date: "2026-11-30T00:00:00.000Z", policy } })
    }
    if (first === "_index_template" && second !== undefined) {
      if (method === "PUT") {
        templates.set(second, JSON.parse(body) as Record<string, unknown>)
        return json(res, 200, { acknowledged: true })
      }
      const template = templates.get(second)
      return template === undefined
        ? notFound(res, "resource_not_found_exception", `index template matching [${second}] not found`)
        : json(res, 200, { index_templates: [{ name: second, index_template: template }] })
    }
    if (first === "_bulk") return bulk(body, res)
    if (first !== undefined && second === "_count") {
      return json(res, 200, { count: matching(first).reduce((n, name) => n + indices.get(name)!.size, 0), _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } })
    }
    if (first !== undefined && second === "_refresh") return json(res, 200, { _shards: { total: 1, successful: 1, failed: 0 } })
    if (first !== undefined && second === "_search") return search(matching(first), body, url, res)
    if (first !== undefined && second === "_doc" && third !== undefined) {
      const source = indices.get(first)?.get(decodeURIComponent(third))
      return source === undefined ? json(res, 404, { _index: first, _id: third, found: false }) : json(res, 200, { _index: first, _id: third, found: true, _source: source })
    }
    if (first !== undefined && segments.length === 1 && method === "HEAD") {
      res.writeHead(matching(first).length > 0 ? 200 : 404, { "x-elastic-product": "Elasticsearch", "content-length": 0 })
      return res.end()
    }
    if (first !== undefined && segments.length === 1 && method === "GET") {
      return json(res, 200, Object.fromEntries(matching(first).map((name) => [name, { aliases: {}, mappings: {}, settings: {} }])))
    }
    if (first !== undefined && segments.length === 1 && method === "PUT") {
      if (indices.has(first)) return json(res, 400, { error: { type: "resource_already_exists_exception", reason: `index [${first}] already exists` }, status: 400 })
      indices.set(first, new Map())
      return json(res, 200, { acknowledged: true, index: first })
    }
    if (first !== undefined && segments.length === 1 && method === "DELETE") {
      if (first.includes("*")) {
        return json(res, 400, { error: { type: "illegal_argument_exception", reason: "Wildcard expressions or all indices are not allowed" }, status: 400 })
      }
      for (const name of decodeURIComponent(first).split(",")) indices.delete(name)
      return json(res, 200, { acknowledged: true })
    }
    return json(res, 400, { error: { type: "illegal_argument_exception", reason: `the double does not speak ${method} ${url.pathname}` }, status: 400 })
  }

  let server: Server
  let port = 0
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((req, res) => {
        handle(req, res).catch((e: unknown) => json(res, 500, { error: { type: "double_failure", reason: String(e) }, status: 500 }))
      })
      server.on("connection", (s) => {
        sockets.add(s)
        s.on("close", () => sockets.delete(s))
      })
      server.once("error", reject)
      server.listen({ host: "127.0.0.1", port }, () => {
        port = (server.address() as { port: number }).port
        resolve()
      })
    })
  const shut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      held.length = 0
      server.close(() => resolve())
    })
  await listen()

  const double: EsDouble = {
    get url() {
      return `http://127.0.0.1:${port}`
    },
    get port() {
      return port
    },
    indices,
    templates,
    policies,
    requests,
    authorizations,
    bulkItemsSeen,
    stalled: () => held.length,
    itemFault: () => null,
    down: shut,
    up: listen,
    stall: () => {
      stalled = true
    },
    unstall: () => {
      stalled = false
      // what was held is dropped with its connection, as a hung node restarting would
      for (const res of held.splice(0)) res.socket?.destroy()
    },
    close: shut
  }
  return double
}
