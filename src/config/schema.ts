/**
 * The configuration contract (DESIGN.md): these keys are relied on by tests and
 * operators' scripts. Unknown keys are errors, so a typo never silently falls back
 * to a default.
 */
import { ParseResult, Schema } from "effect"
import { buildNmapArgs, NmapArgsError } from "../../adapters/nmap/runner.js"
import { parseCidr } from "../../domain/cidr.js"
import { isIp } from "../../domain/ip.js"

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** "24h", "30d", "90s", "500ms" ⇄ milliseconds. */
export const Duration = Schema.transformOrFail(
  Schema.Union(Schema.String, Schema.Number).annotations({ title: "a duration such as 30s, 15m, 24h or 30d" }),
  Schema.NonNegativeInt,
  {
    strict: true,
    decode: (input, _, ast) => {
      const m = typeof input === "number" ? null : /^(\d+)(ms|s|m|h|d)$/.exec(input.trim())
      return m === null
        ? ParseResult.fail(new ParseResult.Type(ast, input, `expected a duration such as 30s, 15m, 24h or 30d, got ${JSON.stringify(input)}`))
        : ParseResult.succeed(Number(m[1]) * units[m[2]!]!)
    },
    encode: (ms) => {
      for (const unit of ["d", "h", "m", "s"]) if (ms % units[unit]! === 0 && ms >= units[unit]!) return ParseResult.succeed(`${ms / units[unit]!}${unit}`)
      return ParseResult.succeed(`${ms}ms`)
    }
  }
)

const Ip = Schema.String.pipe(Schema.filter((s) => isIp(s) || `expected an IP address, got ${JSON.stringify(s)}`))
const PortNumber = Schema.Int.pipe(Schema.between(1, 65535, { message: (i) => `expected a port 1–65535, got ${JSON.stringify(i.actual)}` }))

/** host:port, [v6]:port */
export const ListenAddress = Schema.String.pipe(
  Schema.filter((s) => {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(s)
    return (m !== null && Number(m[2]) >= 0 && Number(m[2]) <= 65535) || `expected host:port such as 127.0.0.1:8080, got ${JSON.stringify(s)}`
  })
)

/** a port, or an inclusive range "5060-5080" */
export const PortOrRange = Schema.Union(
  PortNumber,
  Schema.String.pipe(
    Schema.filter((s) => {
      const m = /^(\d+)-(\d+)$/.exec(s)
      return (m !== null && Number(m[1]) >= 1 && Number(m[1]) <= Number(m[2]) && Number(m[2]) <= 65535) ||
        `expected a port or a range such as 5060-5080, got ${JSON.stringify(s)}`
    })
  )
)

const NullableString = Schema.NullOr(Schema.String)

/** { "22/tcp": ssh, "5060-5080/udp": sip }: keys in the inventory's port notation (checked here so the error names the key) */
const PlanPlugins = Schema.Record({ key: Schema.String, value: Schema.NonEmptyTrimmedString }).pipe(
  Schema.filter((plugins) => {
    for (const key of Object.keys(plugins)) {
      const m = /^(\d{1,5})(?:-(\d{1,5}))?\/(tcp|udp)$/.exec(key)
      const [min, max] = m === null ? [0, 0] : [Number(m[1]), Number(m[2] ?? m[1])]
      if (m === null || min < 1 || min > max || max > 65535) return `expected keys <port>[-<port>]/<tcp|udp> such as 22/tcp or 5060-5080/udp, got ${JSON.stringify(key)}`
    }
    return true
  })
)

/** an address or CIDR prefix ("bogons" too where `symbolic`) */
const CidrText = (symbolic: boolean) =>
  Schema.String.pipe(
    Schema.filter((s) => (symbolic && s === "bogons") || parseCidr(s) !== null || `expected a CIDR prefix such as 198.51.100.0/24${symbolic ? ' or "bogons"' : ""}, got ${JSON.stringify(s)}`)
  )
const Transport = Schema.Literal("tcp", "udp")

export const ServiceConfig = Schema.Struct({
  name: Schema.NonEmptyTrimmedString,
  port: PortOrRange,
  publicPort: Schema.optional(PortOrRange),
  transport: Transport,
  plugin: Schema.NonEmptyTrimmedString,
  options: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), { default: () => ({}) })
})

export const PeerConfig = Schema.Struct({
  name: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_.]+$/, { message: () => "expected a peer name of letters, digits, _ and ." })),
  address: Ip,
  port: Schema.optionalWith(PortNumber, { default: () => 179 }),
  peerAs: Schema.Int.pipe(Schema.between(1, 4294967295)),
  localAddress: Schema.optional(Ip),
  passive: Schema.optionalWith(Schema.Boolean, { default: () => false })
})

export const ScheduleConfig = Schema.Struct({
  name: Schema.String,
  targets: Schema.Array(Schema.String),
  profile: Schema.Literal("fast", "full"),
  at: Schema.String.pipe(Schema.pattern(/^([01]\d|2[0-3]):[0-5]\d$/, { message: () => "expected a time of day HH:MM" })),
  args: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
}).pipe(
  // the arguments and targets a run would refuse are refused here already: `config check` names them
  Schema.filter((s) => {
    const command = buildNmapArgs({ targets: s.targets, profile: s.profile, args: s.args, output: "report.xml", isRoot: true })
    return command instanceof NmapArgsError ? `schedule ${JSON.stringify(s.name)}: ${command.message}` : true
  })
)

export const HoneyholeConfig = Schema.Struct({
  dataDir: Schema.String,
  eventStore: Schema.Struct({
    url: Schema.NullOr(Schema.String.pipe(Schema.pattern(/^(kurrentdb|kdb|esdb)(\+discover)?:\/\//, {
      message: (i) => `expected null or a kurrentdb://, kdb:// or esdb:// connection string, got ${JSON.stringify(i.actual)}`
    })))
  }),
  readModels: Schema.Struct({
    url: Schema.NullOr(Schema.String.pipe(Schema.pattern(/^mysql:\/\//, {
      message: (i) => `expected null (SQLite in dataDir) or a mysql:// URL, got ${JSON.stringify(i.actual)}`
    })))
  }),
  api: Schema.Struct({ listen: ListenAddress, token: NullableString }),
  sensor: Schema.Struct({
    id: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_.-]+$/)),
    bind: Ip,
    fromInventory: Schema.NullOr(Schema.Struct({ hostType: Schema.String })),
    /** inventory ports below 1024 listen on port + offset (0 = the port itself, needs CAP_NET_BIND_SERVICE) */
    lowPortOffset: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 64512)), { default: () => 10000 }),
    maxPlanPorts: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 2048 }),
    /** "<port>[-<port>]/<tcp|udp>" → plugin, for inventory ports */
    planPlugins: Schema.optionalWith(PlanPlugins, { default: () => ({}) }),
    services: Schema.Array(ServiceConfig),
    eventQueue: Schema.Int.pipe(Schema.positive()),
    limits: Schema.Struct({
      maxSessions: Schema.Int.pipe(Schema.positive()),
      maxSessionsPerSource: Schema.Int.pipe(Schema.positive()),
      idleTimeout: Duration,
      payloadCap: Schema.Int.pipe(Schema.positive()),
      sessionCap: Schema.NonNegativeInt,
      udp: Schema.Struct({
        replyRatio: Schema.Number.pipe(Schema.between(0, 10)),
        repliesPerSecond: Schema.Number.pipe(Schema.positive()),
        sessionIdle: Duration,
        maxSessions: Schema.Int.pipe(Schema.positive())
      })
    })
  }),
  bans: Schema.Struct({
    ttl: Duration,
    maxTtl: Duration,
    escalation: Schema.Number.pipe(Schema.greaterThanOrEqualTo(1)),
    maxActive: Schema.Int.pipe(Schema.positive()),
    udp: Schema.Literal("verified-only", "any"),
    neverBan: Schema.Array(CidrText(true)),
    ownNetworks: Schema.Array(CidrText(false)),
    allowlist: Schema.Array(CidrText(false)),
    suppressionInterval: Duration,
    breaker: Schema.Struct({ maxPerMinute: Schema.Int.pipe(Schema.positive()) }),
    dryRun: Schema.Boolean
  }),
  bgp: Schema.Struct({
    localAs: Schema.Int.pipe(Schema.between(1, 4294967295)),
    routerId: Schema.String,
    nextHop: Schema.Struct({ ipv4: Ip, ipv6: Ip }),
    communities: Schema.Array(Schema.String),
    peers: Schema.Array(PeerConfig)
  }),
  scans: Schema.Struct({
    watchDir: NullableString,
    schedules: Schema.Array(ScheduleConfig).pipe(
      Schema.filter((list) => {
        const seen = new Set<string>()
        for (const s of list) {
          if (seen.has(s.name)) return `two schedules are named ${JSON.stringify(s.name)}: names must be unique (they name the runs and their lock)`
          seen.add(s.name)
        }
        return true
      })
    )
  }),
  notify: Schema.Struct({
    smtp: Schema.Struct({ host: Schema.String, port: PortNumber, secure: Schema.Boolean, user: NullableString, pass: NullableString }),
    from: Schema.String,
    to: Schema.Array(Schema.String)
  }),
  elasticsearch: Schema.Struct({
    node: NullableString,
    index: Schema.String,
    retentionDays: Schema.Int.pipe(Schema.positive()),
    /** per request; a bulk that takes longer fails and is retried from the checkpoint */
    requestTimeout: Schema.optionalWith(Duration, { default: () => 30_000 }),
    username: NullableString,
    password: NullableString,
    apiKey: NullableString
  }),
  geoip: Schema.Struct({ cityDb: NullableString })
})
export type HoneyholeConfig = typeof HoneyholeConfig.Type

/** Paths holding secrets; `config print` and logs show them redacted. URLs keep all but their password. */
export const secretPaths = ["api.token", "notify.smtp.pass", "elasticsearch.password", "elasticsearch.apiKey"] as const
export const urlPaths = ["eventStore.url", "readModels.url", "elasticsearch.node"] as const
