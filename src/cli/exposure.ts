/**
 * `honeyhole exposure list|ack|resend`: open findings, accepting one without changing the
 * inventory, and re-sending report mails whose delivery failed.
 */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import { EventStore } from "../../domain/EventStore.js"
import { acknowledgeFinding, listFindings } from "../exposure/findings.js"
import { notifySettings, resendPending } from "../exposure/notify.js"
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

const resend = Command.make("resend", { json: Options.boolean("json").pipe(Options.withDescription("print JSON")) }, ({ json }) =>
  Effect.gen(function* () {
    const results = yield* resendPending(yield* EventStore, yield* notifySettings)
    if (json) return yield* Console.log(JSON.stringify(results, null, 2))
    if (results.length === 0) return yield* Console.log("no report mails pending")
    yield* Console.log(
      table(
        ["SCAN", "OUTCOME", "SUBJECT", "DETAIL"],
        results.map((r) => [r.scanId, r.outcome === "InFlight" ? "retrying (owned by a running honeyhole)" : r.outcome, r.subject, r.messageId ?? r.error ?? ""])
      )
    )
    const failed = results.filter((r) => r.outcome === "Failed" || r.outcome === "NoRecipients").length
    if (failed > 0) return yield* Effect.fail(new Error(`${failed} report mail(s) still undelivered; they stay pending`))
  })
).pipe(Command.withDescription("Send now the report mails whose delivery failed (each once; delivered ones are not sent again)."))

export const exposureCommand = Command.make("exposure").pipe(
  Command.withDescription("Findings of the exposure loop."),
  Command.withSubcommands([list, ack, resend])
)
