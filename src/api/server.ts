/**
 * The HTTP API on `api.listen` (loopback by default): /healthz and /metrics now;
 * the blocking loop adds /api/why and the blocklist feed.
 */
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { EventStore } from "../../domain/EventStore.js"
import { ReadModelDb } from "../../projections/ReadModelDb.js"
import { AppConfig } from "../AppConfig.js"
import { BgpSpeaker } from "../../adapters/bgp/index.js"
import { BlackholeTable, liveBans } from "../bans/BlackholeTable.js"
import { Projections } from "../Projections.js"
import { why } from "../why.js"
import { registrySamples, render } from "./prometheus.js"
import type { Sample } from "./prometheus.js"

const startedAt = Date.now()

const check = <E extends { message: string }>(effect: Effect.Effect<unknown, E>) =>
  effect.pipe(
    Effect.timeout("3 seconds"),
    Effect.match({
      onFailure: (e) => ({ ok: false as const, error: e.message }),
      onSuccess: () => ({ ok: true as const })
    })
  )

const healthz = Effect.gen(function* () {
  const store = yield* EventStore
  const db = yield* ReadModelDb
  const [eventStore, readModels] = yield* Effect.all(
    [check(store.ping), check(Effect.flatMap(db.client, (sql) => sql`SELECT 1 AS ok`))],
    { concurrency: 2 }
  )
  const ok = eventStore.ok && readModels.ok
  return yield* HttpServerResponse.json(
    {
      status: ok ? "ok" : "degraded",
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      eventStore: { kind: store.kind, location: store.location, ...eventStore },
      readModels: { dialect: db.dialect, location: db.location, ...readModels }
    },
    { status: ok ? 200 : 503 }
  )
})

const metrics = Effect.gen(function* () {
  const runner = yield* Projections
  const registry = yield* registrySamples
  const samples: Array<Sample> = registry.map((s) =>
    s.name === "effect_fiber_active" ? { ...s, name: "honeyhole_fibers_alive", help: "fibers alive in this process", type: "gauge" } : s
  )
  const statuses = yield* Effect.either(runner.status)
  if (statuses._tag === "Right") {
    for (const p of statuses.right) {
      const labels = { projection: p.name }
      samples.push(
        { name: "honeyhole_projection_events", help: "events applied by the projection", type: "counter", labels, value: p.events },
        { name: "honeyhole_projection_lag_events", help: "events in the store not yet applied", type: "gauge", labels, value: p.lag },
        { name: "honeyhole_projection_checkpoint_info", help: "checkpoint position (opaque) as a label", type: "gauge", labels: { ...labels, position: p.position ?? "" }, value: 1 },
        { name: "honeyhole_projection_failing", help: "1 while the projection is retrying after an error", type: "gauge", labels, value: p.lastError === null ? 0 : 1 }
      )
      for (const [counter, value] of Object.entries(p.counters)) {
        samples.push({ name: "honeyhole_projection_counter", help: "projection-specific totals from the event store (search: rejected documents)", type: "gauge", labels: { ...labels, counter }, value })
      }
    }
  }
  samples.push({ name: "honeyhole_uptime_seconds", help: "seconds since start", type: "gauge", value: Math.round((Date.now() - startedAt) / 1000) })
  return HttpServerResponse.text(render(samples), { contentType: "text/plain; version=0.0.4; charset=utf-8" })
})

/** `api.token`, when set, guards /api/* and the blocklist feed (Bearer header or ?token=). */
const authorized = <E, R>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.gen(function* () {
    const { config } = yield* Effect.flatMap(AppConfig, (c) => c.get)
    const token = config.api.token
    if (token !== null) {
      const request = yield* HttpServerRequest.HttpServerRequest
      const header = request.headers["authorization"] ?? ""
      const query = new URL(request.url, "http://localhost").searchParams.get("token")
      if (header !== `Bearer ${token}` && query !== token) {
        return yield* HttpServerResponse.json({ error: "unauthorized" }, { status: 401, headers: { "www-authenticate": "Bearer" } })
      }
    }
    return yield* handler
  })

const whyRoute = Effect.gen(function* () {
  const params = yield* HttpRouter.params
  const report = yield* Effect.either(why(params["ip"] ?? ""))
  if (report._tag === "Left") {
    const e = report.left
    return yield* HttpServerResponse.json({ error: e.message }, { status: e._tag === "NotAnIp" ? 400 : 503 })
  }
  return yield* HttpServerResponse.json(report.right)
})

const activeBans = Effect.gen(function* () {
  const table = yield* BlackholeTable
  return [...liveBans(yield* table.bans.get, Date.now())].sort((a, b) => a.prefix.localeCompare(b.prefix))
})

const blocklistText = Effect.map(activeBans, (bans) =>
  HttpServerResponse.text(`# honeyhole blocklist: ${bans.length} active bans, ${new Date().toISOString()}\n${bans.map((b) => b.prefix).join("\n")}${bans.length > 0 ? "\n" : ""}`)
)

const blocklistJson = Effect.flatMap(activeBans, (bans) =>
  HttpServerResponse.json({
    generatedAt: new Date().toISOString(),
    count: bans.length,
    bans: bans.map((b) => ({ prefix: b.prefix, ip: b.ip, issuedAt: b.issuedAt, expiresAt: b.expiresAt, offense: b.offense, service: b.service }))
  })
)

const bgpStatus = Effect.gen(function* () {
  const speaker = yield* BgpSpeaker
  const table = yield* BlackholeTable
  const peers = yield* speaker.status
  return yield* HttpServerResponse.json({ activeBans: liveBans(yield* table.bans.get, Date.now()).length, peers })
})

export const router = HttpRouter.empty.pipe(
  HttpRouter.get("/healthz", healthz),
  HttpRouter.get("/metrics", metrics),
  HttpRouter.get("/api/why/:ip", authorized(whyRoute)),
  HttpRouter.get("/api/bgp", authorized(bgpStatus)),
  HttpRouter.get("/blocklist.txt", authorized(blocklistText)),
  HttpRouter.get("/blocklist.json", authorized(blocklistJson))
)

/** host:port → listen options; "[::1]:8080" for IPv6. */
export const parseListen = (listen: string) => {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(listen)
  return { host: m?.[1] ?? "127.0.0.1", port: Number(m?.[2] ?? 8080) }
}

export const ApiServer = Layer.unwrapEffect(
  Effect.gen(function* () {
    const { config } = yield* Effect.flatMap(AppConfig, (c) => c.get)
    const listen = parseListen(config.api.listen)
    return HttpServer.serve(router).pipe(
      HttpServer.withLogAddress,
      Layer.provide(NodeHttpServer.layer(createServer, listen))
    )
  })
)
