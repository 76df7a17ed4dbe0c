/**
 * For bans-crash.test.ts: the config of the `honeyhole start` under test, the
 * ban-feeding appender child, the oracle (which bans are active, straight from the
 * events in events.sqlite) and a watcher sampling BIRD's RIB.
 */
import { writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"
import type { BgpPeerDaemon } from "../../bgp/support/daemons.js"
import { spawnDaemon } from "../../support/process.js"
import type { Daemon } from "../../support/process.js"
import { childEnv, query, sleep } from "../harness.js"

const appenderScript = fileURLToPath(new URL("./appender.ts", import.meta.url))
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

export interface BgpPeerOptions {
  readonly address: string
  readonly port: number
  readonly localAddress: string
}

/** Short TTLs so bans expire during the test; no sensor listeners (the appender is the attacker). */
export const writeBansConfig = (file: string, dataDir: string, peer: BgpPeerOptions): string => {
  writeFileSync(
    file,
    [
      `dataDir: ${JSON.stringify(dataDir)}`,
      "eventStore: { url: null }",
      "readModels: { url: null }",
      "api: { token: null }",
      "sensor: { services: [] }",
      // 127/8 is the only protected range: the documentation ranges the appender uses must be bannable
      'bans: { neverBan: ["127.0.0.0/8"], ttl: 2s, maxTtl: 2s, breaker: { maxPerMinute: 100000 } }',
      "bgp:",
      "  localAs: 65000",
      "  routerId: 192.0.2.10",
      `  peers: [{ name: bird1, address: ${peer.address}, port: ${peer.port}, peerAs: 65010, localAddress: ${peer.localAddress} }]`,
      ""
    ].join("\n")
  )
  return file
}

export const startBanAppender = (name: string, dir: string, eventsFile: string, goFile: string): Daemon =>
  spawnDaemon({
    name,
    command: process.execPath,
    args: ["--import", tsxLoader, appenderScript, eventsFile, goFile],
    dir,
    env: childEnv
  })

export interface BanRecord {
  readonly banId: string
  readonly prefix: string
  readonly issuedEventId: string
  readonly issuedAt: number
  readonly expiresAt: number
  readonly by: string | null
  readonly expired: Array<{ readonly at: number; readonly expiredAt: number; readonly causationId: string | null }>
  readonly lifted: Array<{ readonly at: number }>
}

interface Row {
  readonly event_id: string
  readonly type: string
  readonly data: string
  readonly metadata: string
}

/** Every ban in the store with how it ended; event times are the writers' wall clocks (`metadata.at`). */
export const banHistory = async (eventsFile: string): Promise<ReadonlyMap<string, BanRecord>> => {
  const rows = await query<Row>(
    eventsFile,
    "SELECT event_id, type, data, metadata FROM events WHERE type IN ('BanIssued', 'BanExpired', 'BanLifted') ORDER BY position"
  )
  const bans = new Map<string, BanRecord>()
  for (const row of rows) {
    const data = JSON.parse(row.data) as { banId: string; prefix: string; issuedAt?: string; expiresAt?: string; expiredAt?: string; by?: string }
    const meta = JSON.parse(row.metadata) as { at: string; causationId: string | null }
    const at = Date.parse(meta.at)
    if (row.type === "BanIssued") {
      bans.set(data.banId, {
        banId: data.banId,
        prefix: data.prefix,
        issuedEventId: row.event_id,
        issuedAt: Date.parse(data.issuedAt ?? ""),
        expiresAt: Date.parse(data.expiresAt ?? ""),
        by: data.by ?? null,
        expired: [],
        lifted: []
      })
      continue
    }
    const ban = bans.get(data.banId)
    if (ban === undefined) throw new Error(`${row.type} ${row.event_id} for unknown ban ${data.banId}`)
    if (row.type === "BanExpired") ban.expired.push({ at, expiredAt: Date.parse(data.expiredAt ?? ""), causationId: meta.causationId })
    else ban.lifted.push({ at })
  }
  return bans
}

export const ended = (ban: BanRecord): boolean => ban.expired.length > 0 || ban.lifted.length > 0

/** What BIRD must carry at `now`: BanIssued without BanExpired/BanLifted whose TTL has not passed. */
export const activeAt = (bans: ReadonlyMap<string, BanRecord>, now: number): ReadonlyArray<string> =>
  [...new Set([...bans.values()].filter((b) => !ended(b) && b.expiresAt > now).map((b) => b.prefix))].sort()

export interface RibSample {
  /** the birdc call started / returned: BIRD's table was this at some moment in between */
  readonly t0: number
  readonly t1: number
  readonly prefixes: ReadonlyArray<string>
}

/** Samples BIRD's routes from peer1 every `intervalMs` until stopped. */
export const watchRib = (peer: BgpPeerDaemon, intervalMs = 100) => {
  const samples: Array<RibSample> = []
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const t0 = Date.now()
      try {
        const routes = await peer.routes()
        samples.push({ t0, t1: Date.now(), prefixes: routes.map((r) => r.prefix) })
      } catch {
        // birdc busy or BIRD restarting: no sample
      }
      await sleep(Math.max(0, intervalMs - (Date.now() - t0)))
    }
  })()
  return {
    samples,
    stop: async () => {
      stopped = true
      await loop
    }
  }
}

export interface StaleRoute {
  readonly at: string
  readonly prefix: string
  readonly bans: ReadonlyArray<{ readonly expiresAt: string; readonly lifted: string | null }>
}

/**
 * Routes in BIRD with no ban that could justify them: every ban of the prefix had
 * expired more than `tolerance` ms (in-flight withdrawal) before the sample, or had
 * been lifted more than `liftTolerance` ms before it, or was issued after it.
 */
export const staleRoutes = (
  samples: ReadonlyArray<RibSample>,
  bans: ReadonlyMap<string, BanRecord>,
  options: { readonly from: number; readonly to: number; readonly tolerance: number; readonly liftTolerance: number }
): ReadonlyArray<StaleRoute> => {
  const byPrefix = new Map<string, Array<BanRecord>>()
  for (const ban of bans.values()) byPrefix.set(ban.prefix, [...(byPrefix.get(ban.prefix) ?? []), ban])
  const out: Array<StaleRoute> = []
  for (const s of samples) {
    if (s.t0 < options.from || s.t0 > options.to) continue
    for (const prefix of s.prefixes) {
      const candidates = byPrefix.get(prefix) ?? []
      const justified = candidates.some(
        (b) =>
          b.issuedAt <= s.t1 &&
          b.expiresAt > s.t0 - options.tolerance &&
          b.lifted.every((l) => l.at > s.t0 - options.liftTolerance)
      )
      if (!justified) {
        out.push({
          at: new Date(s.t0).toISOString(),
          prefix,
          bans: candidates.map((b) => ({
            expiresAt: new Date(b.expiresAt).toISOString(),
            lifted: b.lifted[0] === undefined ? null : new Date(b.lifted[0].at).toISOString()
          }))
        })
      }
    }
  }
  return out
}

/** How long after its ban ended (TTL passed or lifted) a route was last seen in BIRD, at most (ms). */
export const maxOverstay = (
  samples: ReadonlyArray<RibSample>,
  bans: ReadonlyMap<string, BanRecord>,
  options: { readonly from: number; readonly to: number }
): number => {
  const endOf = new Map<string, number>()
  for (const ban of bans.values()) {
    const end = Math.min(ban.expiresAt, ...ban.lifted.map((l) => l.at))
    endOf.set(ban.prefix, Math.max(endOf.get(ban.prefix) ?? Number.NEGATIVE_INFINITY, end))
  }
  let worst = 0
  for (const s of samples) {
    if (s.t0 < options.from || s.t0 > options.to) continue
    for (const prefix of s.prefixes) worst = Math.max(worst, s.t0 - (endOf.get(prefix) ?? Number.POSITIVE_INFINITY))
  }
  return worst
}

/**
 * Polls until BIRD's routes equal the active bans, both read around the birdc call
 * with no ban starting or ending meanwhile; `null` if not by `deadline`.
 */
export const ribMatchesBans = async (peer: BgpPeerDaemon, eventsFile: string, deadline: number) => {
  let last: { expected: ReadonlyArray<string>; routes: ReadonlyArray<string> } = { expected: [], routes: [] }
  for (;;) {
    const t0 = Date.now()
    const before = activeAt(await banHistory(eventsFile), t0)
    const routes = (await peer.routes()).map((r) => r.prefix).sort()
    const t1 = Date.now()
    const after = activeAt(await banHistory(eventsFile), t1)
    const stable = before.join() === after.join()
    if (stable && routes.join() === after.join()) return { matched: true as const, at: t1, routes }
    if (stable) last = { expected: after, routes }
    if (Date.now() >= deadline) return { matched: false as const, ...last }
    await sleep(25)
  }
}
