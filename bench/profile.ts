/**
 * Where the time goes: `npx tsx bench/profile.ts rebuild|append` fills a scratch store,
 * profiles one rebuild of every SQL projection (or one concurrent append run) with the
 * V8 sampling profiler, and prints the hottest functions. `sensor-tcp|sensor-udp`
 * profile one round of the sensor benchmark (bench/sensor.bench.ts) after a warm-up. `BENCH_EVENTS` sets the size
 * (default 200k); `BENCH_CPUPROFILE=file` also saves the profile for DevTools.
 * Not part of `npm run bench`: profiling slows the code it measures.
 */
import { Effect, Layer } from "effect"
import { writeFileSync } from "node:fs"
import * as Embedded from "../adapters/eventstore/embedded/index.js"
import * as ReadModels from "../adapters/sql/readModels.js"
import { sqlProjections } from "../projections/index.js"
import { makeRunner } from "../projections/runner.js"
import { formatLines, profiled, summarize } from "./support/cpuprofile.js"
import { makeSessions } from "./support/events.js"
import { envInt, log, withScratchDir } from "./support/measure.js"
import { openDatabase } from "./support/sqlite.js"
import { sensorTcpRound, sensorUdpRound, startLoadClient } from "./sensor.bench.js"
import { createSchema, RawWriter, withStore } from "./support/store.js"

const events = envInt("BENCH_EVENTS", 200_000)
const what = process.argv[2] ?? "rebuild"

const rebuildAll = (eventsFile: string, readModelsFile: string) =>
  Effect.gen(function* () {
    const runner = yield* makeRunner(sqlProjections)
    for (const p of sqlProjections) yield* runner.rebuild(p.name, () => Effect.void)
  }).pipe(
    Effect.provide(Layer.merge(Embedded.layer({ filename: eventsFile }), ReadModels.layer({ kind: "sqlite", filename: readModelsFile }))),
    Effect.runPromise
  )

const sensorRound = async () => {
  const client = await startLoadClient()
  try {
    const udp = { udpPackets: events, udpSockets: 16, udpWindow: 8, tcpContacts: 0, tcpConcurrency: 0, idleSessions: 0, rounds: 1 }
    const round = (): Promise<{ readonly ms: number; readonly cpuMs: number; readonly note: string }> =>
      what === "sensor-tcp" ? sensorTcpRound(client, events, 200) : sensorUdpRound(client, udp)
    await round()
    log(`profiling one ${what} round of ${events.toLocaleString("en-US")}`)
    return await profiled(round)
  } finally {
    await client.stop()
  }
}

const main = () =>
  withScratchDir("profile", async (file) => {
    const sessions = makeSessions(events)
    const eventsFile = file("events.sqlite")
    let run: () => Promise<unknown>
    if (what === "append") {
      run = () => withStore(eventsFile, (store) => Effect.forEach(sessions, (s) => store.append(s.stream, s.events, "any"), { concurrency: 256, discard: true }))
    } else {
      await createSchema(eventsFile)
      const db = openDatabase(eventsFile)
      new RawWriter(db).writeBatch(sessions, Date.now())
      db.close()
      run = () => rebuildAll(eventsFile, file("readmodels.sqlite"))
    }
    let profile
    if (what.startsWith("sensor-")) {
      const { value, profile: p } = await sensorRound()
      log(`round: ${value.ms.toFixed(0)} ms wall, ${value.cpuMs.toFixed(0)} ms CPU; ${value.note}`)
      profile = p
    } else {
      log(`profiling ${what} of ${events.toLocaleString("en-US")} events`)
      profile = (await profiled(run)).profile
    }
    const profilePath = process.env["BENCH_CPUPROFILE"]
    if (profilePath !== undefined) writeFileSync(profilePath, JSON.stringify(profile))
    const summary = summarize(profile)
    process.stdout.write(
      [
        `profiled ${summary.totalMs.toFixed(0)} ms`,
        formatLines("self time by file", summary.perFile.slice(0, 15)),
        formatLines("self time by function", summary.self),
        formatLines("inclusive time by function", summary.inclusive.slice(0, 40))
      ].join("\n\n") + "\n"
    )
  })

main().catch((error: unknown) => {
  process.stderr.write(`profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})
