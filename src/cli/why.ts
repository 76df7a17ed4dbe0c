/** `honeyhole why <ip> [--json]`. */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import { renderWhy, why } from "../why.js"

export const whyCommand = Command.make("why", { ip: Args.text({ name: "ip" }), json: Options.boolean("json") }, ({ ip, json }) =>
  Effect.gen(function* () {
    const report = yield* why(ip)
    yield* Console.log(json ? JSON.stringify(report, null, 2) : renderWhy(report))
  })
).pipe(Command.withDescription("Explain an address from its evidence: contacts, credentials, bans (rule, TTL, checks, cause), routes, lifts; or why it was never banned."))
