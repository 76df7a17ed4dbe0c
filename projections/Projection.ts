/**
 * A projection: name + event filter + handler + its SQL storage. The runner applies
 * batches and writes the checkpoint in the same transaction as the model, so a
 * restart resumes exactly after the last applied event.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { Effect } from "effect"
import type { EventFilter } from "../domain/EventStore.js"
import type { EventDecodeError, RecordedEvent } from "../domain/events/index.js"

export interface SqlProjection {
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
