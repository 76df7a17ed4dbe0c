/** Every SQL projection honeyhole runs; later loops add theirs here. The external `search` projection is added by src/Projections.ts when Elasticsearch is configured. */
import { blackholeProjection } from "./blackhole.js"
import { inventoryProjection } from "./inventory.js"
import { statsProjection } from "./stats.js"
import type { SqlProjection } from "./Projection.js"

export const sqlProjections: ReadonlyArray<SqlProjection> = [statsProjection, blackholeProjection, inventoryProjection]
