/** `honeyhole exposure list|ack`: open findings, and accepting one without changing the inventory. */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import { EventStore } from "../../domain/EventStore.js"
import { acknowledgeFinding, listFindings } from "../exposure/findings.js"
import { table } from "./render.js"

const list = Command.make("list", { json: Options.boolean("json").pipe(Options.withDescription("print JSON")) }, ({ json }) =>
  Effect.gen(function* () {
    const rows = yield* listFindings(yield* EventStore)
    if (json) return yield* Console.log(JSON.stringify(rows, null, 2))
    if (rows.length === 0) return yield* Console.log("no open findings")
    yield* Console.log(
      table(
        ["HOST", "PORT", "SERVICE", "HOST TYPE", "SINCE", "ACKNOWLEDGED"],
        rows.map((f) => [f.host, `${f.port}/${f.transport}`, f.service ?? "-", f.hostType ?? "(not in inventory)", f.detectedAt.toISOString(), f.acknowledged === null ? "-" : `${f.acknowledged.by}: ${f.acknowledged.reason}`])
      )
    )
  })
).pipe(Command.withDescription("Open findings: ports exposed that the inventory does not allow."))

const ack = Command.make(
  "ack",
  { host: Args.text({ name: "host" }), port: Args.text({ name: "port/proto" }), reason: Options.text("reason").pipe(Options.withDescription("why it is accepted (audited)")) },
  ({ host, port, reason }) =>
    Effect.gen(function* () {
      const r = yield* acknowledgeFinding(yield* EventStore, host, port, reason)
      yield* Console.log(r.changed ? `acknowledged ${r.finding.host} ${r.finding.port}/${r.finding.transport}` : `${r.finding.host} ${r.finding.port}/${r.finding.transport} was already acknowledged`)
    })
).pipe(Command.withDescription("Accept an open finding without changing the inventory (audited)."))

export const exposureCommand = Command.make("exposure").pipe(
  Command.withDescription("Findings of the exposure loop."),
  Command.withSubcommands([list, ack])
)
