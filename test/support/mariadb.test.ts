import { MysqlClient } from "@effect/sql-mysql2"
import { SqlClient } from "@effect/sql"
import { Cause, Effect, Exit, Option, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { requireMariaDb, withMariaDb } from "./mariadb.js"

const suite = "MariaDB test harness (real mariadbd)"
const peer = requireMariaDb(suite)

const runWith = <A, E>(url: string, program: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.runPromiseExit(
    program.pipe(Effect.provide(MysqlClient.layer({ url: Redacted.make(url) })), Effect.scoped)
  )

describe.skipIf(!peer.available)(suite, () => {
  const db = withMariaDb()

  it("serves a password user on 127.0.0.1 that owns honeyhole_test", () => {
    expect(db.url).toMatch(/^mysql:\/\/honeyhole:secret@127\.0\.0\.1:\d+\/honeyhole_test$/)
  })

  it("runs create table / insert / select through @effect/sql-mysql2", async () => {
    const exit = await runWith(
      db.url,
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE host_types (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL UNIQUE)`
        yield* sql`INSERT INTO host_types ${sql.insert([{ name: "web servers" }, { name: "sip proxies" }])}`
        const rows = yield* sql<{ name: string }>`SELECT name FROM host_types ORDER BY name`
        const [database] = yield* sql<{ db: string }>`SELECT DATABASE() AS db`
        return { names: rows.map((row) => row.name), database: database?.db }
      })
    )
    expect(exit).toStrictEqual(Exit.succeed({ names: ["sip proxies", "web servers"], database: "honeyhole_test" }))
  })

  it("commits and rolls back transactions (InnoDB)", async () => {
    const exit = await runWith(
      db.url,
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE checkpoints (name VARCHAR(64) PRIMARY KEY, position BIGINT NOT NULL) ENGINE=InnoDB`
        yield* sql.withTransaction(sql`INSERT INTO checkpoints VALUES ('kept', 1)`)
        yield* sql.withTransaction(
          Effect.zipRight(sql`INSERT INTO checkpoints VALUES ('dropped', 2)`, Effect.fail("abort" as const))
        ).pipe(Effect.ignore)
        return yield* sql<{ name: string }>`SELECT name FROM checkpoints`
      })
    )
    expect(exit).toStrictEqual(Exit.succeed([{ name: "kept" }]))
  })

  it("enforces authentication (grant tables are on)", async () => {
    const exit = await runWith(
      db.url.replace(":secret@", ":wrong@"),
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT 1`)
    )
    const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
    expect(Option.map(failure, (error) => (error._tag === "SqlError" ? error.cause : error))).toMatchObject(
      Option.some({ code: "ER_ACCESS_DENIED_ERROR" })
    )
  })
})
