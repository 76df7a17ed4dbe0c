/** `honeyhole bgp status [--json]`: asks the running honeyhole (its API) for live session state. */
import { Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import { currentConfig } from "../AppConfig.js"
import { formatSpan, table } from "./render.js"

interface PeerView {
  readonly name: string
  readonly address: string
  readonly port: number
  readonly peerAs: number
  readonly state: string
  readonly uptimeMs: number
  readonly routesAnnounced: number
  readonly lastError: string | null
}

const status = Command.make("status", { json: Options.boolean("json") }, ({ json }) =>
  Effect.gen(function* () {
    const config = yield* currentConfig
    const url = `http://${config.api.listen}/api/bgp`
    const body = yield* Effect.tryPromise({
      try: () =>
        fetch(url, { headers: config.api.token === null ? {} : { authorization: `Bearer ${config.api.token}` } }).then((r) => {
          if (!r.ok) throw new Error(`HTTP ${r.status}`)
          return r.json() as Promise<{ activeBans: number; peers: ReadonlyArray<PeerView> }>
        }),
      catch: (e) => new Error(`cannot reach the running honeyhole at ${url} (${e instanceof Error ? e.message : String(e)}); is \`honeyhole start\` running?`)
    })
    if (json) return yield* Console.log(JSON.stringify(body, null, 2))
    if (body.peers.length === 0) return yield* Console.log(`no BGP peers configured (bgp.peers); ${body.activeBans} active bans`)
    yield* Console.log(
      table(
        ["PEER", "ADDRESS", "AS", "STATE", "UPTIME", "ROUTES", "LAST ERROR"],
        body.peers.map((p) => [p.name, `${p.address}:${p.port}`, String(p.peerAs), p.state, p.state === "Established" ? formatSpan(p.uptimeMs) : "-", String(p.routesAnnounced), p.lastError ?? ""])
      )
    )
    yield* Console.log(`${body.activeBans} active bans`)
  })
).pipe(Command.withDescription("State, uptime and routes announced per BGP peer (from the running honeyhole)."))

export const bgpCommand = Command.make("bgp").pipe(Command.withDescription("BGP sessions to the border routers."), Command.withSubcommands([status]))
