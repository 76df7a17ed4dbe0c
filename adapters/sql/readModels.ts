/** The ReadModelDb layers: SQLite file (default) or MySQL/MariaDB through @effect/sql-mysql2. */
import * as Reactivity from "@effect/experimental/Reactivity"
import type { SqlClient } from "@effect/sql/SqlClient"
import * as MysqlClient from "@effect/sql-mysql2/MysqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Effect, Layer, Redacted } from "effect"
import type { Scope } from "effect"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { ReadModelDb, ReadModelError } from "../../projections/ReadModelDb.js"
import { lazyResource } from "../lazy.js"
import { redactUrl } from "../redactUrl.js"

export type ReadModelTarget = { readonly kind: "sqlite"; readonly filename: string } | { readonly kind: "mysql"; readonly url: string }


const open = (target: ReadModelTarget): Effect.Effect<SqlClient, ReadModelError, Scope.Scope> => {
  if (target.kind === "sqlite") {
    return Effect.gen(function* () {
      if (target.filename !== ":memory:") mkdirSync(dirname(target.filename), { recursive: true })
      const sql = yield* SqliteClient.make({ filename: target.filename })
      yield* Effect.orDie(sql.unsafe("PRAGMA synchronous = NORMAL"))
      yield* Effect.orDie(sql.unsafe("PRAGMA busy_timeout = 10000"))
      return sql as SqlClient
    }).pipe(Effect.provide(Reactivity.layer))
  }
  return MysqlClient.make({ url: Redacted.make(target.url), maxConnections: 4 }).pipe(
    Effect.provide(Reactivity.layer),
    Effect.map((c): SqlClient => c),
    Effect.mapError(
      (cause) =>
        new ReadModelError({
          reason: "Open",
          message: `cannot connect to ${redactUrl(target.url)}: ${cause.cause instanceof Error ? cause.cause.message : cause.message}`,
          cause
        })
    )
  )
}

/** Opens on first use and keeps the client for the layer's lifetime (see lazyResource). */
export const layer = (target: ReadModelTarget): Layer.Layer<ReadModelDb> =>
  Layer.scoped(
    ReadModelDb,
    Effect.map(lazyResource(open(target)), (client) =>
      ReadModelDb.of({
        dialect: target.kind,
        location: target.kind === "sqlite" ? target.filename : redactUrl(target.url),
        client: client.get
      })
    )
  )

export const targetFor = (url: string | null, dataDir: string): ReadModelTarget => {
  if (url === null) return { kind: "sqlite", filename: `${dataDir}/readmodels.sqlite` }
  return { kind: "mysql", url }
}
