/**
 * Rebuilding every SQL projection from a large log, against a plain scan of the event
 * table (the issue's goal: rebuild ≤ 3× the scan). Intermediate stages are timed too,
 * against the same scan, so each run shows where the rebuild's time goes.
 */
import { Effect, Either, Layer, Stream } from "effect"
import { statSync } from "node:fs"
import * as Embedded from "../adapters/eventstore/embedded/index.js"
import * as ReadModels from "../adapters/sql/readModels.js"
import { decodeMetadataOf, Position } from "../domain/events/index.js"
import { sqlProjections } from "../projections/index.js"
import { makeRunner } from "../projections/runner.js"
import { makeSessions } from "./support/events.js"
import { log, progress, Samples, stopwatch, timed, withScratchDir, yieldToEventLoop } from "./support/measure.js"
import type { BenchReport, Comparison } from "./support/report.js"
import { versus } from "./support/report.js"
import { openDatabase } from "./support/sqlite.js"
import type { Database, StoredRow } from "./support/sqlite.js"
import { createSchema, RawWriter, withStore } from "./support/store.js"

export interface RebuildBenchConfig {
  readonly events: number
  readonly rounds: number
}

/** Fills a fresh store file: real schema (through the adapter), then bulk raw inserts. */
const fillStore = async (filename: string, total: number) => {
  await createSchema(filename)
  const db = openDatabase(filename)
  try {
    const writer = new RawWriter(db)
    const report = progress("written", total)
    const chunk = 20_000
    let sessions = 0
    for (let done = 0; done < total; ) {
      const batch = makeSessions(Math.min(chunk, total - done), { seed: 3 + done, firstEvent: done, firstSession: sessions })
      writer.writeBatch(batch, Date.now())
      await yieldToEventLoop()
      sessions += batch.length
      done += batch.reduce((n, s) => n + s.events.length, 0)
      report(done)
    }
  } finally {
    db.close()
  }
}

/** The baseline: every row, every column touched. */
const plainScan = (db: Database) => {
  let n = 0
  let bytes = 0
  for (const row of db.prepare<StoredRow>("SELECT * FROM events").iterate()) {
    bytes += row.stream.length + row.event_id.length + row.type.length + row.data.length + row.metadata.length
    if (row.position + row.revision + row.created > 0) n++
  }
  return { n, bytes }
}

const scanParsed = (db: Database, decode: boolean) => {
  let n = 0
  for (const row of db.prepare<StoredRow>("SELECT * FROM events ORDER BY position").iterate()) {
    const recorded = {
      stream: row.stream,
      revision: row.revision,
      position: Position(String(row.position)),
      eventId: row.event_id,
      type: row.type,
      data: JSON.parse(row.data),
      metadata: JSON.parse(row.metadata)
    }
    if (!decode) n++
    else if (Either.isRight(decodeMetadataOf(recorded))) n++
  }
  return n
}

const readAllDrain = (filename: string) =>
  withStore(filename, (store) =>
    Effect.gen(function* () {
      const elapsed = stopwatch()
      const n = yield* Stream.runFold(store.readAll(), 0, (k) => k + 1)
      return { value: n, ...elapsed() }
    })
  )

const rebuildOnce = async (eventsFile: string, readModelsFile: string, name: string, total: number) => {
  await yieldToEventLoop()
  return Effect.gen(function* () {
    const runner = yield* makeRunner(sqlProjections)
    const report = progress(`rebuild ${name}`, total, Math.max(1, Math.floor(total / 4)))
    const elapsed = stopwatch()
    const result = yield* runner.rebuild(name, (done) => Effect.sync(() => report(done)))
    return { value: result.events, ...elapsed() }
  }).pipe(
    Effect.provide(Layer.merge(Embedded.layer({ filename: eventsFile }), ReadModels.layer({ kind: "sqlite", filename: readModelsFile }))),
    Effect.runPromise
  )
}

const check = (what: string, got: number, expected: number) => {
  if (got !== expected) throw new Error(`${what}: saw ${got} events, expected ${expected}`)
}

export const runRebuildBench = (config: RebuildBenchConfig): Promise<BenchReport> =>
  withScratchDir("rebuild", async (file) => {
    const eventsFile = file("events.sqlite")
    log(`rebuild: writing ${config.events.toLocaleString("en-US")} synthetic events`)
    const fill = await timed(() => fillStore(eventsFile, config.events))
    log(`  written in ${(fill.ms / 1000).toFixed(1)} s`)

    const scan = new Samples()
    const parsed = new Samples()
    const decoded = new Samples()
    const drained = new Samples()
    const rebuilt = new Map(sqlProjections.map((p) => [p.name, new Samples()]))
    const applied = new Map<string, number>()
    let bytes = 0
    const db = openDatabase(eventsFile)
    try {
      for (let round = 1; round <= config.rounds; round++) {
        // the rebuilds right after their baseline, the reference stages after them
        const s = await timed(() => plainScan(db))
        check("plain scan", s.value.n, config.events)
        bytes = s.value.bytes
        scan.push(s)
        for (const projection of sqlProjections) {
          const b = await rebuildOnce(eventsFile, file(`readmodels-${projection.name}-${round}.sqlite`), projection.name, config.events)
          if (projection.filter === undefined) check(`rebuild ${projection.name}`, b.value, config.events)
          applied.set(projection.name, b.value)
          rebuilt.get(projection.name)!.push(b)
          log(`  round ${round}/${config.rounds}: scan ${s.ms.toFixed(0)} ms (CPU ${s.cpuMs.toFixed(0)}), rebuild ${projection.name} ${b.ms.toFixed(0)} ms (CPU ${b.cpuMs.toFixed(0)}): ${(b.ms / s.ms).toFixed(2)}× wall, ${(b.cpuMs / s.cpuMs).toFixed(2)}× CPU`)
        }
        const r = await readAllDrain(eventsFile)
        check("readAll", r.value, config.events)
        drained.push(r)
        const p = await timed(() => scanParsed(db, false))
        check("scan + JSON.parse", p.value, config.events)
        parsed.push(p)
        const d = await timed(() => scanParsed(db, true))
        check("scan + decode", d.value, config.events)
        decoded.push(d)
      }
    } finally {
      db.close()
    }

    const scanText = "better-sqlite3 `SELECT * FROM events`, iterate, touch every column"
    const stage = (name: string, subject: string, samples: Samples): Comparison => ({
      name,
      subject,
      baseline: "plain scan (same as above)",
      items: config.events,
      ...versus(samples, scan)
    })
    return {
      title: `Projection rebuild from ${config.events.toLocaleString("en-US")} events vs a plain scan of the event table`,
      comparisons: [
        ...sqlProjections.map((p) => ({
          ...stage(`rebuild \`${p.name}\``, `runner.rebuild("${p.name}") (SQLite read model, fresh file)`, rebuilt.get(p.name)!),
          baseline: scanText,
          goal: 3
        })),
        stage("stage: EventStore.readAll drained", "Stream.runFold over the store's readAll (pages of 1000), no projection: the store's share of a rebuild", drained),
        stage("reference: scan + JSON.parse(data, metadata)", "the scan, building a RecordedEvent per row with both JSON columns parsed eagerly (no Effect)", parsed),
        stage("reference: … + metadata Schema decode", "as above plus decodeMetadataOf per event (the full envelope check)", decoded)
      ],
      notes: [
        ...sqlProjections.map((p) =>
          `\`${p.name}\` applied ${(applied.get(p.name) ?? 0).toLocaleString("en-US")} events${p.filter ? ` (filter: ${p.filter.kind} ${p.filter.prefixes.join(", ")})` : " (no filter)"}`
        ),
        `event table: ${(statSync(eventsFile).size / 2 ** 20).toFixed(0)} MiB file, ${(bytes / config.events).toFixed(0)} bytes of text per row; written in ${(fill.ms / 1000).toFixed(1)} s (setup, untimed)`
      ]
    }
  })
