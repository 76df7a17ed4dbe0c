/**
 * Real BIRD 2, GoBGP and FRR as BGP peers of the speaker: each in its own temp
 * dir, on its own 127.x address, stopped by pid (SIGTERM, or SIGKILL to drop the
 * session without a NOTIFICATION). No vitest import: the benchmark uses it too.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { findBinary, registerTempDir, spawnDaemon, waitUntil } from "../../support/process.js"
import type { Daemon } from "../../support/process.js"
import { birdConfig, frrConfig, gobgpConfig } from "./configs.js"
import type { PeerConfigOptions } from "./configs.js"
import { parseBirdRoutes, parseFrrRoutes, parseGobgpRoutes } from "./ribs.js"
import type { RibRoute } from "./ribs.js"

export type PeerKind = "bird" | "gobgp" | "frr"

export interface BgpPeerDaemon {
  readonly kind: PeerKind
  readonly options: PeerConfigOptions
  readonly daemon: () => Daemon
  readonly established: () => Promise<boolean>
  readonly routes: () => Promise<Array<RibRoute>>
  /** routes imported per family (BIRD: cheap enough for 100,000 routes) */
  readonly counts: () => Promise<{ readonly ipv4: number; readonly ipv6: number }>
  /** makes the peer send us a ROUTE-REFRESH */
  readonly requestRefresh: () => Promise<void>
  readonly start: () => Promise<void>
  readonly stop: () => Promise<void>
  /** SIGKILL: no NOTIFICATION, the TCP connection just dies */
  readonly kill: () => Promise<void>
  readonly log: () => string
}

export const run = (command: string, args: ReadonlyArray<string>, timeoutMs = 10_000): Promise<string> =>
  new Promise((resolve, reject) => {
    ChildProcess.execFile(command, [...args], { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${command} ${args.join(" ")}: ${error.message}\n${stderr}`))
      else resolve(stdout)
    })
  })

const binary = (name: string): string => {
  const found = findBinary(name, ["/usr/lib/frr"])
  if (found === undefined) throw new Error(`${name} not installed`)
  return found
}

interface Driver {
  readonly configFile: string
  readonly config: string
  readonly command: () => { command: string; args: Array<string> }
  readonly established: () => Promise<boolean>
  readonly routes: () => Promise<Array<RibRoute>>
  readonly counts: () => Promise<{ ipv4: number; ipv6: number }>
  readonly requestRefresh: () => Promise<void>
  /** the control socket answers */
  readonly ready: () => Promise<boolean>
  /** left behind by a SIGKILLed instance, in the way of the next one */
  readonly staleFiles: ReadonlyArray<string>
}

const birdDriver = (o: PeerConfigOptions): Driver => {
  const ctl = Path.join(o.dir, "bird.ctl")
  const birdc = (...args: Array<string>) => run(binary("birdc"), ["-s", ctl, ...args])
  return {
    configFile: "bird.conf",
    config: birdConfig(o),
    command: () => ({ command: binary("bird"), args: ["-f", "-c", Path.join(o.dir, "bird.conf"), "-s", ctl] }),
    ready: async () => (await birdc("show status")).includes("Daemon is up"),
    established: async () => /BGP state:\s+Established/.test(await birdc("show protocols all peer1")),
    routes: async () => parseBirdRoutes(await birdc("show route all protocol peer1")),
    counts: async () => {
      const n = [...(await birdc("show protocols all peer1")).matchAll(/Routes:\s+(\d+) imported/g)].map((m) => Number(m[1]))
      return { ipv4: n[0] ?? 0, ipv6: n[1] ?? 0 }
    },
    requestRefresh: async () => void (await birdc("reload in peer1")),
    staleFiles: [ctl]
  }
}

const gobgpDriver = (o: PeerConfigOptions): Driver => {
  const target = `unix://${Path.join(o.dir, "gobgp.sock")}`
  const gobgp = (...args: Array<string>) => run(binary("gobgp"), ["--target", target, ...args])
  const established = async () => {
    const n = JSON.parse(await gobgp("neighbor", "-j")) as ReadonlyArray<{ state?: { session_state?: number } }>
    return n[0]?.state?.session_state === 6
  }
  // adj-in of a neighbor that is down is an error, not an empty table
  const routes = async (family: string) =>
    (await established()) ? parseGobgpRoutes(await gobgp("neighbor", o.peerAddress, "adj-in", "-a", family, "-j")) : []
  return {
    configFile: "gobgpd.toml",
    config: gobgpConfig(o),
    command: () => ({
      command: binary("gobgpd"),
      args: ["-f", Path.join(o.dir, "gobgpd.toml"), "-t", "toml", "-p", "--pprof-disable", "--api-hosts", target]
    }),
    ready: async () => (await gobgp("global")).includes("AS:"),
    established,
    routes: async () => [...(await routes("ipv4")), ...(await routes("ipv6"))],
    counts: async () => ({ ipv4: (await routes("ipv4")).length, ipv6: (await routes("ipv6")).length }),
    // GoBGP keeps an Adj-RIB-In and replays it: no ROUTE-REFRESH goes out (seen with 3.10)
    requestRefresh: async () => void (await gobgp("neighbor", o.peerAddress, "softresetin")),
    staleFiles: [Path.join(o.dir, "gobgp.sock")]
  }
}

const frrDriver = (o: PeerConfigOptions): Driver => {
  const vtysh = (command: string) => run(binary("vtysh"), ["--vty_socket", o.dir, "--config_dir", o.dir, "-d", "bgpd", "-c", command])
  const routes = async (family: string) => parseFrrRoutes(await vtysh(`show bgp ${family} unicast json detail`))
  return {
    configFile: "bgpd.conf",
    config: frrConfig(o),
    command: () => ({
      command: binary("bgpd"),
      args: [
        "-f", Path.join(o.dir, "bgpd.conf"), "-i", Path.join(o.dir, "bgpd.pid"), "-z", Path.join(o.dir, "zserv.api"),
        "--vty_socket", o.dir, "-P", "0", "-p", String(o.port), "-l", o.listen, "-Z", "-n", "-S"
      ]
    }),
    ready: async () => (await vtysh("show bgp summary json")).includes("{"),
    established: async () => {
      const n = JSON.parse(await vtysh("show bgp neighbors json")) as Record<string, { bgpState?: string }>
      return n[o.peerAddress]?.bgpState === "Established"
    },
    routes: async () => [...(await routes("ipv4")), ...(await routes("ipv6"))],
    counts: async () => ({ ipv4: (await routes("ipv4")).length, ipv6: (await routes("ipv6")).length }),
    // with soft-reconfiguration inbound FRR replays its Adj-RIB-In and sends nothing; ask anyway
    requestRefresh: async () => void (await vtysh(`clear bgp ${o.peerAddress} soft in`)),
    staleFiles: [Path.join(o.dir, "bgpd.pid"), Path.join(o.dir, "bgpd.vty"), Path.join(o.dir, "zserv.api")]
  }
}

const drivers: Record<PeerKind, (o: PeerConfigOptions) => Driver> = { bird: birdDriver, gobgp: gobgpDriver, frr: frrDriver }

export type StartOptions = Omit<PeerConfigOptions, "dir">

/** Starts a peer daemon in a fresh temp dir; resolves once its control socket answers. */
export const startPeer = async (kind: PeerKind, options: StartOptions): Promise<BgpPeerDaemon> => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), `hh-bgp-${kind}-`))
  registerTempDir(dir)
  const o: PeerConfigOptions = { ...options, dir }
  const driver = drivers[kind](o)
  Fs.writeFileSync(Path.join(dir, driver.configFile), driver.config)
  let daemon: Daemon | undefined
  const start = async () => {
    for (const file of driver.staleFiles) Fs.rmSync(file, { force: true })
    const { command, args } = driver.command()
    const d = spawnDaemon({ name: kind, command, args, dir })
    daemon = d
    await waitUntil(driver.ready, { description: `${kind} control socket in ${dir}`, daemon: d, timeoutMs: 20_000 })
  }
  const current = () => {
    if (daemon === undefined) throw new Error(`${kind} was never started`)
    return daemon
  }
  await start()
  return {
    kind,
    options: o,
    daemon: current,
    established: driver.established,
    routes: driver.routes,
    counts: driver.counts,
    requestRefresh: driver.requestRefresh,
    start,
    stop: () => current().stop(),
    kill: async () => {
      const d = current()
      process.kill(d.pid, "SIGKILL")
      await d.exited
    },
    log: () => {
      const file = Path.join(dir, kind === "bird" ? "bird.log" : kind === "frr" ? "bgpd.log" : "gobgp.log")
      return Fs.existsSync(file) ? Fs.readFileSync(file, "utf8") : current().log()
    }
  }
}
