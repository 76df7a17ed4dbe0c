/**
 * The projection runner over every projection, as a service for the CLI, API and `start`.
 *
 * The `search` projection (Elasticsearch) is registered only when `elasticsearch.node`
 * is set; its modules (ES client, GeoIP, ECS mapping) are imported dynamically then, so
 * a default configuration loads none of them and starts exactly as before.
 */
import { Context, Effect, Layer } from "effect"
import { EventStore } from "../domain/EventStore.js"
import { sqlProjections } from "../projections/index.js"
import type { Projection } from "../projections/Projection.js"
import { makeRunner } from "../projections/runner.js"
import type { Runner } from "../projections/runner.js"
import { AppConfig } from "./AppConfig.js"

/** The search projection for the configured cluster, or nothing when `elasticsearch.node` is null. */
const searchProjections = Effect.gen(function* () {
  const { loaded } = yield* AppConfig
  if (loaded._tag === "Left" || loaded.right.config.elasticsearch.node === null) return [] as ReadonlyArray<Projection>
  const { elasticsearch: es, geoip } = loaded.right.config
  const node = es.node as string
  const [adapter, search, document, geo] = yield* Effect.promise(() =>
    Promise.all([
      import("../adapters/elasticsearch/index.js"),
      import("../projections/search.js"),
      import("../domain/search/document.js"),
      import("../adapters/geoip/index.js")
    ])
  )
  const store = yield* EventStore
  const lookup = Context.get(yield* Layer.build(geo.GeoIp.layer(geoip.cityDb)), geo.GeoIp)
  const sink = Context.get(
    yield* Layer.build(
      adapter.SearchIndex.layer({
        node,
        index: es.index,
        retentionDays: es.retentionDays,
        requestTimeoutMs: es.requestTimeout,
        username: es.username,
        password: es.password,
        apiKey: es.apiKey
      })
    ),
    adapter.SearchIndex
  )
  return [
    search.makeSearchProjection({
      sink,
      store,
      eventTypes: document.searchEventTypes,
      toDocument: (event) => document.toSearchDocument(event, lookup)
    })
  ]
})

export class Projections extends Context.Tag("honeyhole/Projections")<Projections, Runner>() {
  static Live = Layer.scoped(
    Projections,
    Effect.flatMap(searchProjections, (search) => makeRunner([...sqlProjections, ...search]))
  )
}

/** `start`'s projection actor: every projection followed live, each supervised on its own. */
export const ProjectionsActor = Layer.scopedDiscard(
  Effect.flatMap(Projections, (runner) => Effect.forkScoped(runner.runAll))
)
