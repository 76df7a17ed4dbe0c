/** `honeyhole projections status|rebuild`. */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { Projections } from "../Projections.js"
import { progressReporter, table } from "./render.js"

const status = Command.make("status", { json: Options.boolean("json") }, ({ json }) =>
  Effect.gen(function* () {
    const runner = yield* Projections
    const rows = yield* runner.status
    if (json) return yield* Console.log(JSON.stringify(rows, null, 2))
    yield* Console.log(
      table(
        ["PROJECTION", "EVENTS", "LAG", "POSITION", "UPDATED", "ERROR"],
        rows.map((r) => [
          r.name,
          String(r.events),
          String(r.lag),
          r.position ?? "-",
          r.updatedAt === null ? "never" : new Date(r.updatedAt).toISOString(),
          r.lastError ?? ""
        ])
      )
    )
    // external projections' own counters, e.g. documents Elasticsearch refused
    for (const r of rows) {
      for (const [counter, value] of Object.entries(r.counters)) {
        if (value > 0) yield* Console.log(`${r.name}: ${value} ${counter}${counter === "rejected" ? " documents (honeyhole events show search)" : ""}`)
      }
    }
  })
).pipe(Command.withDescription("Position, events applied and lag of every projection."))

const rebuild = Command.make("rebuild", { name: Args.text({ name: "name" }).pipe(Args.optional) }, ({ name }) =>
  Effect.gen(function* () {
    const runner = yield* Projections
    const names = Option.match(name, { onNone: () => runner.projections.map((p) => p.name), onSome: (n) => [n] })
    for (const n of names) {
      yield* runner.find(n)
      const started = Date.now()
      const result = yield* runner.rebuild(n, progressReporter(`rebuild ${n}`))
      yield* Console.log(`rebuilt ${n}: ${result.events} events in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    }
  })
).pipe(Command.withDescription("Drop a projection's read model (all when no name) and replay history into it."))

export const projectionsCommand = Command.make("projections").pipe(
  Command.withDescription("Inspect and rebuild read models."),
  Command.withSubcommands([status, rebuild])
)
