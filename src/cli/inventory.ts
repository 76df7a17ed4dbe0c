/** `honeyhole inventory …`: the expected-port inventory (seed annex A), as events. */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { EventStore } from "../../domain/EventStore.js"
import { planAdoption } from "../../domain/inventory/adopt.js"
import type { InventoryCommand } from "../../domain/inventory/decider.js"
import { formatRange, parseRangeSpec, rangesOfType } from "../../domain/inventory/state.js"
import type { InventoryState } from "../../domain/inventory/state.js"
import { changeInventory, readInventory } from "../inventory/commands.js"
import { readScanFile } from "../inventory/scanFile.js"
import { table } from "./render.js"

const json = Options.boolean("json").pipe(Options.withDescription("print JSON"))
const hostType = Options.text("type").pipe(Options.withDescription("host type name"))
const description = Options.text("description").pipe(Options.withDescription("what it is"), Options.withDefault(""))

const apply = (commands: ReadonlyArray<InventoryCommand>) =>
  Effect.flatMap(EventStore, (store) => changeInventory(store, () => commands))

const current = Effect.flatMap(EventStore, (store) => readInventory(store))

const typeAdd = Command.make("add", { name: Args.text({ name: "name" }), description }, ({ name, description }) =>
  Effect.zipRight(apply([{ _tag: "DefineHostType", name, description }]), Console.log(`host type ${JSON.stringify(name.trim())} defined`))
).pipe(Command.withDescription("Define a host type (a group of hosts exposing the same ports)."))

const typeList = Command.make("list", { json }, ({ json }) =>
  Effect.gen(function* () {
    const { state } = yield* current
    const rows = [...state.types.values()].map((t) => ({
      ...t,
      hosts: [...state.hosts.values()].filter((h) => h.enabled && h.hostType === t.name).length,
      ports: rangesOfType(state, t.name).map(formatRange)
    }))
    if (json) return yield* Console.log(JSON.stringify(rows, null, 2))
    if (rows.length === 0) return yield* Console.log("no host types yet: honeyhole inventory type add <name>")
    yield* Console.log(table(["TYPE", "HOSTS", "PORTS", "DESCRIPTION"], rows.map((r) => [r.name, String(r.hosts), r.ports.join(",") || "-", r.description])))
  })
)

const hostAdd = Command.make(
  "add",
  { ip: Args.text({ name: "ip" }), hostType, name: Options.text("name").pipe(Options.withDescription("host name"), Options.optional) },
  ({ ip, hostType, name }) =>
    Effect.gen(function* () {
      const [event] = yield* apply([{ _tag: "RegisterHost", ip, hostType, name: Option.getOrNull(name) }])
      yield* Console.log(`registered ${event?._tag === "HostRegistered" ? event.ip : ip} as ${JSON.stringify(hostType)}`)
    })
).pipe(Command.withDescription("Register a host under a type."))

const hostDisable = Command.make("disable", { ip: Args.text({ name: "ip" }), reason: Options.text("reason").pipe(Options.withDefault("")) }, ({ ip, reason }) =>
  Effect.zipRight(apply([{ _tag: "DisableHost", ip, reason }]), Console.log(`disabled ${ip}`))
).pipe(Command.withDescription("Disable a host (its open ports become findings of an unknown host)."))

const hostList = Command.make("list", { json }, ({ json }) =>
  Effect.gen(function* () {
    const rows = [...(yield* current).state.hosts.values()]
    if (json) return yield* Console.log(JSON.stringify(rows, null, 2))
    if (rows.length === 0) return yield* Console.log("no hosts yet")
    yield* Console.log(table(["IP", "TYPE", "NAME", "ENABLED"], rows.map((h) => [h.ip, h.hostType, h.name ?? "-", h.enabled ? "yes" : "no"])))
  })
)

const portAdd = Command.make(
  "add",
  {
    range: Args.text({ name: "port[-port]/proto" }),
    description,
    plugin: Options.text("plugin").pipe(Options.withDescription("sensor plugin for this range"), Options.optional),
    assign: Options.text("type").pipe(Options.withDescription("also assign it to this host type"), Options.optional)
  },
  ({ range, description, plugin, assign }) =>
    Effect.gen(function* () {
      const spec = parseRangeSpec(range)
      if (spec === null) return yield* Effect.fail(new Error(`expected <port>[-<port>]/<tcp|udp>, e.g. 80/tcp or 5060-5080/udp, got ${JSON.stringify(range)}`))
      const commands: Array<InventoryCommand> = [{ _tag: "DeclarePortRange", ...spec, description, plugin: Option.getOrNull(plugin) }]
      if (Option.isSome(assign)) commands.push({ _tag: "AssignPortRange", range: formatRange(spec), hostType: assign.value })
      const events = yield* apply(commands)
      const declared = events[0]
      yield* Console.log(`declared ${formatRange(spec)}${declared?._tag === "PortRangeDeclared" ? ` (id ${declared.rangeId})` : ""}${Option.isSome(assign) ? `, assigned to ${JSON.stringify(assign.value)}` : ""}`)
    })
).pipe(Command.withDescription("Declare a port range (1..65535, tcp|udp)."))

const portList = Command.make("list", { json }, ({ json }) =>
  Effect.gen(function* () {
    const { state } = yield* current
    const rows = [...state.ranges.values()].map((r) => ({ ...r, types: typesOf(state, r.rangeId) }))
    if (json) return yield* Console.log(JSON.stringify(rows, null, 2))
    if (rows.length === 0) return yield* Console.log("no port ranges yet")
    yield* Console.log(table(["ID", "RANGE", "PLUGIN", "TYPES", "DESCRIPTION"], rows.map((r) => [r.rangeId, formatRange(r), r.plugin ?? "-", r.types.join(",") || "-", r.description])))
  })
)

const typesOf = (state: InventoryState, rangeId: string) => [...state.assignments].flatMap(([t, ids]) => (ids.has(rangeId) ? [t] : []))

const rangeArg = Args.text({ name: "range" }).pipe(Args.withDescription("range id or spec, e.g. 3 or 80/tcp"))
const typeArg = Args.text({ name: "type" })

const assign = Command.make("assign", { range: rangeArg, hostType: typeArg }, ({ range, hostType }) =>
  Effect.zipRight(apply([{ _tag: "AssignPortRange", range, hostType }]), Console.log(`${range} assigned to ${JSON.stringify(hostType)}`))
).pipe(Command.withDescription("Allow a port range on a host type."))

const unassign = Command.make("unassign", { range: rangeArg, hostType: typeArg }, ({ range, hostType }) =>
  Effect.zipRight(apply([{ _tag: "UnassignPortRange", range, hostType }]), Console.log(`${range} unassigned from ${JSON.stringify(hostType)}`))
).pipe(Command.withDescription("Stop allowing a port range on a host type."))

const show = Command.make("show", { json }, ({ json }) =>
  Effect.gen(function* () {
    const { state, revision } = yield* current
    const types = [...state.types.values()].map((t) => ({
      name: t.name,
      description: t.description,
      ports: rangesOfType(state, t.name).map((r) => ({ id: r.rangeId, range: formatRange(r), description: r.description, plugin: r.plugin })),
      hosts: [...state.hosts.values()].filter((h) => h.hostType === t.name).map((h) => ({ ip: h.ip, name: h.name, enabled: h.enabled }))
    }))
    if (json) return yield* Console.log(JSON.stringify({ revision, types, unassignedRanges: [...state.ranges.values()].filter((r) => typesOf(state, r.rangeId).length === 0) }, null, 2))
    if (types.length === 0) return yield* Console.log("the inventory is empty")
    for (const t of types) {
      yield* Console.log(`${t.name}${t.description === "" ? "" : ` — ${t.description}`}`)
      yield* Console.log(`  ports: ${t.ports.map((p) => p.range).join(", ") || "(none)"}`)
      yield* Console.log(`  hosts: ${t.hosts.map((h) => (h.enabled ? h.ip : `${h.ip} (disabled)`)).join(", ") || "(none)"}`)
    }
  })
).pipe(Command.withDescription("The whole inventory: types with their ports and hosts."))

const adopt = Command.make("adopt-scan", { file: Args.file({ name: "nmap.xml", exists: "yes" }), hostType }, ({ file, hostType }) =>
  Effect.gen(function* () {
    const hosts = yield* readScanFile(file)
    const store = yield* EventStore
    let skipped: ReadonlyArray<{ ip: string; hostType: string }> = []
    const events = yield* changeInventory(store, (state) => {
      const plan = planAdoption(state, hostType, hosts)
      skipped = plan.skipped
      return plan.commands
    })
    const count = (tag: string) => events.filter((e) => e._tag === tag).length
    yield* Console.log(`adopted ${file} as ${JSON.stringify(hostType)}: ${count("HostRegistered")} hosts registered, ${count("PortRangeDeclared")} ranges declared, ${count("PortRangeAssigned")} assigned`)
    for (const s of skipped) yield* Console.log(`  skipped ${s.ip}: already registered as ${JSON.stringify(s.hostType)}`)
  })
).pipe(Command.withDescription("Turn a verified nmap scan into the baseline: hosts registered, open ports declared and assigned."))

export const inventoryCommand = Command.make("inventory").pipe(
  Command.withDescription("Which ports each kind of host is meant to expose."),
  Command.withSubcommands([
    Command.make("type").pipe(Command.withSubcommands([typeAdd, typeList])),
    Command.make("host").pipe(Command.withSubcommands([hostAdd, hostDisable, hostList])),
    Command.make("port").pipe(Command.withSubcommands([portAdd, portList])),
    assign,
    unassign,
    show,
    adopt
  ])
)
