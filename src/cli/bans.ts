/** `honeyhole bans list|add|lift` and `honeyhole allowlist add|remove|list`. */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Either, Schema } from "effect"
import { EventStore } from "../../domain/EventStore.js"
import { readBlackhole } from "../../projections/blackhole.js"
import { ReadModelDb } from "../../projections/ReadModelDb.js"
import { changeAllowlist, readAllowlist } from "../bans/Allowlist.js"
import { addBan, liftBan } from "../bans/commands.js"
import { banPolicy } from "../bans/policy.js"
import { currentConfig } from "../AppConfig.js"
import { Duration } from "../config/schema.js"
import { Projections } from "../Projections.js"
import { formatSpan, table } from "./render.js"

const json = Options.boolean("json").pipe(Options.withDescription("print JSON"))
const reason = Options.text("reason").pipe(Options.withDescription("why (recorded in the event, for the audit trail)"))

const list = Command.make("list", { json }, ({ json }) =>
  Effect.gen(function* () {
    // brings the read model up to date first, so the list is current even without `start`
    yield* Effect.flatMap(Projections, (p) => p.catchUp("blackhole"))
    const rows = (yield* readBlackhole(yield* (yield* ReadModelDb).client)).filter((r) => r.expiresAt.getTime() > Date.now())
    if (json) return yield* Console.log(JSON.stringify(rows, null, 2))
    if (rows.length === 0) return yield* Console.log("no active bans")
    yield* Console.log(
      table(
        ["PREFIX", "OFFENSE", "SERVICE", "ISSUED", "EXPIRES", "LEFT", "RULE"],
        rows.map((r) => [r.prefix, String(r.offense), r.service ?? "-", r.issuedAt.toISOString(), r.expiresAt.toISOString(), formatSpan(r.expiresAt.getTime() - Date.now()), r.rule])
      )
    )
  })
).pipe(Command.withDescription("Active bans (the blackhole table)."))

const lift = Command.make("lift", { ip: Args.text({ name: "ip" }), reason }, ({ ip, reason }) =>
  Effect.gen(function* () {
    const lifted = yield* liftBan(yield* EventStore, ip, reason)
    yield* Console.log(`lifted ${lifted.prefix} (ban ${lifted.banId}); a running honeyhole withdraws the route at once`)
  })
).pipe(Command.withDescription("Lift an active ban now (audited)."))

const add = Command.make(
  "add",
  {
    ip: Args.text({ name: "ip" }),
    ttl: Options.text("ttl").pipe(Options.withDescription("how long, e.g. 2h, 7d"), Options.withDefault("24h")),
    reason,
    force: Options.boolean("force").pipe(Options.withDescription("ban even a protected, own, peer or allowlisted address"))
  },
  ({ ip, ttl, reason, force }) =>
    Effect.gen(function* () {
      const ms = yield* Schema.decodeUnknown(Duration)(ttl).pipe(Effect.mapError(() => new Error(`--ttl: expected a duration such as 30m, 24h or 7d, got ${JSON.stringify(ttl)}`)))
      const config = yield* currentConfig
      const issued = yield* addBan(yield* EventStore, banPolicy(config), ip, ms, reason, { force })
      yield* Console.log(`banned ${issued.prefix} until ${issued.expiresAt.toISOString()} (offense ${issued.offense})`)
    })
).pipe(Command.withDescription("Ban an address by hand (audited; refuses protected addresses without --force)."))

export const bansCommand = Command.make("bans").pipe(
  Command.withDescription("List, add and lift bans."),
  Command.withSubcommands([list, add, lift])
)

const allowAdd = Command.make("add", { cidr: Args.text({ name: "cidr" }), reason }, ({ cidr, reason }) =>
  Effect.gen(function* () {
    const r = yield* changeAllowlist(yield* EventStore, "add", cidr, reason)
    yield* Console.log(r.changed ? `allowlisted ${r.cidr}; a running honeyhole lifts the bans it covers` : `${r.cidr} is already allowlisted`)
  })
)

const allowRemove = Command.make("remove", { cidr: Args.text({ name: "cidr" }), reason }, ({ cidr, reason }) =>
  Effect.gen(function* () {
    const r = yield* changeAllowlist(yield* EventStore, "remove", cidr, reason)
    const config = yield* Effect.either(currentConfig)
    const seeded = Either.isRight(config) && config.right.bans.allowlist.includes(r.cidr)
    yield* Console.log(r.changed ? `removed ${r.cidr}${seeded ? " (it is in bans.allowlist: the next start adds it again)" : ""}` : `${r.cidr} is not allowlisted`)
  })
)

const allowList = Command.make("list", { json }, ({ json }) =>
  Effect.gen(function* () {
    const { entries } = yield* readAllowlist(yield* EventStore)
    const rows = [...entries.values()]
    if (json) return yield* Console.log(JSON.stringify(rows, null, 2))
    if (rows.length === 0) return yield* Console.log("the allowlist is empty")
    yield* Console.log(table(["CIDR", "BY", "SINCE", "REASON"], rows.map((e) => [e.cidr, e.by, e.at.toISOString(), e.reason])))
  })
)

export const allowlistCommand = Command.make("allowlist").pipe(
  Command.withDescription("Addresses never banned (adding one lifts the bans it covers)."),
  Command.withSubcommands([allowAdd, allowRemove, allowList])
)
