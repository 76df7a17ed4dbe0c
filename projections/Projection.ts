/**
 * A projection: name + event filter + handler + its storage. Two kinds share one runner,
 * one registry and one `projections status|rebuild`:
 *  - SQL: the runner applies a batch and writes the checkpoint in the same transaction
 *    as the model, so a restart resumes exactly after the last applied event;
 *  - external (Elasticsearch): the batch is applied to the sink first, idempotently
 *    (ids derived from event ids), then the checkpoint is written — at-least-once
 *    delivery + idempotent writes = each event's effect exactly once. No SQL
 *    transaction is held open while the sink is waited on.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { Effect } from "effect"
import type { EventFilter } from "../domain/EventStore.js"
import type { EventDecodeError, RecordedEvent } from "../domain/events/index.js"

export interface SqlProjection {
  readonly kind?: "sql"
  readonly name: string
  readonly description: string
  readonly filter?: EventFilter
  /** every table the model owns; `rebuild` drops them */
  readonly tables: ReadonlyArray<string>
  /** creates the tables when missing (idempotent) */
  readonly setup: (sql: SqlClient) => Effect.Effect<void, SqlError>
  /** applies one batch, inside the runner's transaction */
  readonly apply: (sql: SqlClient, events: ReadonlyArray<RecordedEvent>) => Effect.Effect<void, SqlError | EventDecodeError>
}

/** What an external sink fails with: a tagged error with a message (ES down, timeout …). */
export interface SinkError {
  readonly _tag: string
  readonly message: string
}

export interface ExternalProjection {
  readonly kind: "external"
  readonly name: string
  readonly description: string
  readonly filter?: EventFilter
  /** prepares the sink (templates, policies); run before following and after a reset */
  readonly setup: Effect.Effect<void, SinkError>
  /** applies one batch; must be idempotent (a batch may be delivered again after a crash) */
  readonly apply: (events: ReadonlyArray<RecordedEvent>) => Effect.Effect<void, SinkError>
  /** `rebuild`: deletes everything the projection wrote, and only that */
  readonly reset: Effect.Effect<void, SinkError>
  /** extra counters for status and /metrics (e.g. documents rejected) */
  readonly counters?: Effect.Effect<Readonly<Record<string, number>>, SinkError>
}

export type Projection = SqlProjection | ExternalProjection

export const isExternal = (p: Projection): p is ExternalProjection => p.kind === "external"
