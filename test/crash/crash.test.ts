/**
 * The reliability requirement, end to end: `honeyhole start` and a second appending
 * process are SIGKILLed together while events flow and the `stats` projection applies
 * them; after each kill
 *  - every append that had been acknowledged is in the store,
 *  - the read model at the moment of the crash is exactly the events up to its
 *    checkpoint (model and checkpoint commit in one transaction),
 *  - a restarted `honeyhole start` catches up (lag 0), then stops cleanly on SIGTERM,
 *  - and the resumed model equals `projections rebuild` of the same history and a
 *    count straight from the event table.
 * Rounds run on the same data dir, so later rounds resume from a non-empty checkpoint.
 *
 * `start` appends events of its own (SensorStarted, and SensorStopped while shutting
 * down, possibly after the projection stopped), so "the same history" is the events
 * up to the resumed checkpoint: the rebuild runs on a copy cut there.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { freeTcpPort } from "../support/free-port.js"
import { registerTempDir, removeTempDir, stopAllDaemons, waitUntil } from "../support/process.js"
import {
  ackedEventIds,
  execute,
  exitWithin,
  honeyhole,
  query,
  signal,
  sleep,
  startAppender,
  startHoneyhole,
  statsFromEvents,
  statsGauges,
  statsRows,
  waitHealthy,
  writeConfig
} from "./harness.js"

/** HONEYHOLE_TEST_CRASH_ROUNDS=10 for a longer hunt; two keep the suite under 40 s. */
const rounds = Number(process.env["HONEYHOLE_TEST_CRASH_ROUNDS"] ?? 2)
const appenderWorkers = 8

const root = mkdtempSync(join(tmpdir(), "hh-crash-"))
registerTempDir(root)
const dataDir = join(root, "data")
const eventsFile = join(dataDir, "events.sqlite")
const readModelsFile = join(dataDir, "readmodels.sqlite")
const config = writeConfig(join(root, "honeyhole.yaml"), dataDir)

const sum = (rows: ReadonlyArray<{ readonly count: number }>) => rows.reduce((n, r) => n + r.count, 0)

const storeHead = async () => {
  const [row] = await query<{ head: number | null }>(eventsFile, "SELECT MAX(position) AS head FROM events")
  return row?.head ?? 0
}

const countEvents = async (where: string) => {
  const [row] = await query<{ n: number }>(eventsFile, `SELECT COUNT(*) AS n FROM events WHERE ${where}`)
  return row?.n ?? 0
}

const statsCheckpoint = async () => {
  const [row] = await query<{ position: string; events: number }>(
    readModelsFile,
    "SELECT position, events FROM projection_checkpoints WHERE name = 'stats'"
  )
  if (row === undefined) throw new Error("no stats checkpoint")
  return { position: Number(row.position), events: row.events }
}

/**
 * Runs honeyhole + appender, kills both mid-flight, checks what survived the kill.
 * `previousHead`: the store's head at the previous kill; this round's appends follow it.
 */
const crash = async (round: number, previousHead: number) => {
  const port = await freeTcpPort()
  const goFile = join(root, `go-${round}`)
  const start = startHoneyhole(`start-${round}`, root, config, port)
  const appender = startAppender(`appender-${round}`, root, eventsFile, goFile, appenderWorkers)
  // Both take seconds to load through tsx; they start in parallel and the appender
  // waits for the go file, so the kill lands while both are really working.
  await Promise.all([
    waitHealthy(start, port),
    waitUntil(() => appender.log().includes("ready\n"), { description: "appender ready", daemon: appender, timeoutMs: 20_000 })
  ])
  writeFileSync(goFile, "")
  const runMs = 2000 + Math.floor(Math.random() * 1000)
  await sleep(runMs)
  signal(start, "SIGKILL")
  signal(appender, "SIGKILL")
  expect(await exitWithin(start, 5000)).toBe("signal SIGKILL")
  expect(await exitWithin(appender, 5000)).toBe("signal SIGKILL")

  const acked = ackedEventIds(appender.log())
  expect(acked.appends, appender.logTail()).toBeGreaterThan(100)
  const stored = new Set((await query<{ event_id: string }>(eventsFile, "SELECT event_id FROM events")).map((r) => r.event_id))
  expect(acked.eventIds.filter((id) => !stored.has(id)), "acknowledged appends missing after SIGKILL").toEqual([])

  const checkpoint = await statsCheckpoint()
  const atCrash = await statsRows(readModelsFile)
  expect(atCrash).toEqual(await statsFromEvents(eventsFile, checkpoint.position))
  expect(sum(atCrash)).toBe(checkpoint.events)
  // Otherwise the kill hit a projection that had not yet seen this round's appends.
  const appliedThisRound = await countEvents(
    `stream LIKE 'attacker-%' AND position > ${previousHead} AND position <= ${checkpoint.position}`
  )
  expect(appliedThisRound, "stats applied none of this round's appends before the kill").toBeGreaterThan(0)
  const head = await storeHead()
  return { runMs, acked, head, lagAtCrash: await countEvents(`position > ${checkpoint.position}`) }
}

/** Restarts honeyhole on the crashed data dir, waits for lag 0, stops it with SIGTERM. */
const resume = async (round: number) => {
  const port = await freeTcpPort()
  const started = Date.now()
  const start = startHoneyhole(`restart-${round}`, root, config, port)
  await waitHealthy(start, port)
  // /metrics reports the same runner.status as `projections status`, without a CLI start per poll
  await waitUntil(
    async () => {
      const g = await statsGauges(port)
      return g.lag === 0 && g.failing === 0
    },
    { description: "stats caught up (lag 0, not failing)", daemon: start, timeoutMs: 20_000 }
  )
  const caughtUpMs = Date.now() - started
  const stopping = Date.now()
  signal(start, "SIGTERM")
  expect(await exitWithin(start, 5000), start.logTail()).toBe("exit code 0")
  return { caughtUpMs, stopMs: Date.now() - stopping }
}

/** `projections rebuild` on a copy of the data dir whose history ends at `position`. */
const rebuildUpTo = async (round: number, position: number) => {
  const copyDir = join(root, `rebuilt-${round}`)
  cpSync(dataDir, copyDir, { recursive: true })
  await execute(join(copyDir, "events.sqlite"), `DELETE FROM events WHERE position > ${position}`)
  const copyConfig = writeConfig(join(root, `rebuilt-${round}.yaml`), copyDir)
  const output = await honeyhole(root, copyConfig, ["projections", "rebuild", "stats"])
  return { output, stats: await statsRows(join(copyDir, "readmodels.sqlite")) }
}

const projectionStatus = async () => {
  const rows: ReadonlyArray<{ name: string; lag: number; events: number; position: string | null }> = JSON.parse(
    await honeyhole(root, config, ["projections", "status", "--json"])
  )
  return rows.find((p) => p.name === "stats")
}

describe("crash recovery: SIGKILL of `honeyhole start` mid-append (spawns real honeyhole and appender processes)", () => {
  afterAll(async () => {
    await stopAllDaemons()
    removeTempDir(root)
  })

  it(`keeps every acknowledged append and resumes projections equal to a rebuild, over ${rounds} kills`, async () => {
    mkdirSync(dataDir, { recursive: true })
    let previousHead = 0
    for (let round = 1; round <= rounds; round++) {
      const t0 = Date.now()
      const crashed = await crash(round, previousHead)
      const resumed = await resume(round)

      const checkpoint = await statsCheckpoint()
      expect(checkpoint.position, "the restart did not apply everything stored before the kill").toBeGreaterThanOrEqual(crashed.head)
      const applied = await countEvents(`position <= ${checkpoint.position}`)
      const [status, rebuilt] = await Promise.all([projectionStatus(), rebuildUpTo(round, checkpoint.position)])
      expect(status).toMatchObject({
        position: String(checkpoint.position),
        events: applied,
        lag: await countEvents(`position > ${checkpoint.position}`)
      })
      expect(rebuilt.output).toContain(`rebuilt stats: ${applied} events`)

      const resumedStats = await statsRows(readModelsFile)
      expect(resumedStats).toEqual(rebuilt.stats)
      expect(resumedStats).toEqual(await statsFromEvents(eventsFile, checkpoint.position))
      expect(sum(resumedStats)).toBe(applied)
      // the appender's three days × three event types, so a day or type mix-up would show
      expect(resumedStats.filter((r) => r.day.startsWith("2024-")).length).toBe(9)
      previousHead = crashed.head
      console.log(
        `round ${round}: SIGKILL after ${crashed.runMs} ms of appending; ${crashed.acked.appends} appends ` +
          `(${crashed.acked.eventIds.length} events) acknowledged, ${crashed.head} events in the store, ` +
          `stats ${crashed.lagAtCrash} behind at the kill; restart caught up in ${resumed.caughtUpMs} ms, ` +
          `SIGTERM exit in ${resumed.stopMs} ms; round took ${Date.now() - t0} ms`
      )
    }
  }, 90_000 * rounds) // generous: tsx start-up of each child process is slow on a loaded machine
})
