/**
 * Embedded event store throughput against raw better-sqlite3 on the same rows:
 *  - append: concurrent `append` calls of 1–5 events to distinct streams (the writer
 *    batches them) vs prepared INSERTs in transactions of the batch size the writer used;
 *  - single-append latency: sequential awaited appends vs one raw transaction per append;
 *  - read: `readAll` of the whole log and `readStream` of every stream vs SELECT +
 *    JSON.parse of data and metadata into the same records.
 */
import { Effect, Stream } from "effect"
import { performance } from "node:perf_hooks"
import { Position } from "../domain/events/index.js"
import type { RecordedEvent } from "../domain/events/index.js"
import { attackerStreams, countEvents, makeSessions } from "./support/events.js"
import type { Session } from "./support/events.js"
import { log, median, quantile, Samples, stopwatch, timed, withScratchDir } from "./support/measure.js"
import type { BenchReport, Comparison } from "./support/report.js"
import { versus } from "./support/report.js"
import { openDatabase } from "./support/sqlite.js"
import type { Database, StoredRow } from "./support/sqlite.js"
import { createSchema, RawWriter, withStore, writerTransactions } from "./support/store.js"

export interface EventStoreBenchConfig {
  readonly appendEvents: number
  readonly concurrency: number
  readonly latencyAppends: number
  readonly rounds: number
}

const appendThroughStore = (filename: string, sessions: ReadonlyArray<Session>, concurrency: number) =>
  withStore(filename, (store) =>
    Effect.gen(function* () {
      const elapsed = stopwatch()
      yield* Effect.forEach(sessions, (s) => store.append(s.stream, s.events, "any"), { concurrency, discard: true })
      return elapsed()
    })
  )

const appendRaw = async (filename: string, sessions: ReadonlyArray<Session>, perTransaction: number) => {
  await createSchema(filename)
  const db = openDatabase(filename)
  try {
    const writer = new RawWriter(db)
    return await timed(() => {
      const now = Date.now()
      for (let i = 0; i < sessions.length; i += perTransaction) writer.writeBatch(sessions.slice(i, i + perTransaction), now)
    })
  } finally {
    db.close()
  }
}

/** Per-append latencies (ms) of sequential awaited appends, after a short warm-up. */
const storeLatencies = (filename: string, sessions: ReadonlyArray<Session>, warmup: number) =>
  withStore(filename, (store) =>
    Effect.gen(function* () {
      const latencies: Array<number> = []
      for (const [i, s] of sessions.entries()) {
        const start = performance.now()
        yield* store.append(s.stream, s.events, "any")
        if (i >= warmup) latencies.push(performance.now() - start)
      }
      return latencies
    })
  )

const rawLatencies = async (filename: string, sessions: ReadonlyArray<Session>, warmup: number) => {
  await createSchema(filename)
  const db = openDatabase(filename)
  try {
    const writer = new RawWriter(db)
    const latencies: Array<number> = []
    for (const [i, s] of sessions.entries()) {
      const start = performance.now()
      writer.writeBatch([s], Date.now())
      if (i >= warmup) latencies.push(performance.now() - start)
    }
    return latencies
  } finally {
    db.close()
  }
}

/** What the store does with a row on the way out (adapters/eventstore/embedded toRecorded). */
const toRecorded = (row: StoredRow): RecordedEvent => ({
  stream: row.stream,
  revision: row.revision,
  position: Position(String(row.position)),
  eventId: row.event_id,
  type: row.type,
  data: JSON.parse(row.data),
  metadata: JSON.parse(row.metadata)
})

const countRecords = (rows: Iterable<StoredRow>) => {
  let n = 0
  for (const row of rows) if (toRecorded(row).revision >= 0) n++
  return n
}

const rawReadAll = (db: Database) => countRecords(db.prepare<StoredRow>("SELECT * FROM events ORDER BY position").iterate())

const rawReadStreams = (db: Database) => {
  const select = db.prepare<StoredRow>("SELECT * FROM events WHERE stream = ? ORDER BY revision")
  let n = 0
  for (const stream of attackerStreams) n += countRecords(select.iterate(stream))
  return n
}

/** Counts events, reading `data` as every reader of whole events does (the store may parse it lazily). */
const count = <E>(stream: Stream.Stream<RecordedEvent, E>) =>
  Stream.runFold(stream, 0, (n, e) => (e.revision >= 0 && e.data !== undefined ? n + 1 : n))

/** One round of reads through the store (opened once, outside the timings). */
const storeReads = (filename: string) =>
  withStore(filename, (store) =>
    Effect.gen(function* () {
      let elapsed = stopwatch()
      const all = yield* count(store.readAll())
      const allTime = elapsed()
      elapsed = stopwatch()
      const perStream = yield* Effect.reduce(attackerStreams, 0, (n, stream) => Effect.map(count(store.readStream(stream)), (k) => n + k))
      return { all, allTime, perStream, perStreamTime: elapsed() }
    })
  )

const check = (what: string, got: number, expected: number) => {
  if (got !== expected) throw new Error(`${what}: read ${got} events, expected ${expected}`)
}

export const runEventStoreBench = (config: EventStoreBenchConfig): Promise<BenchReport> =>
  withScratchDir("eventstore", async (file) => {
    log(`eventstore: building ${config.appendEvents.toLocaleString("en-US")} synthetic events`)
    const sessions = makeSessions(config.appendEvents)
    const events = countEvents(sessions)
    const append = { store: new Samples(), raw: new Samples(), perTransaction: new Array<number>() }
    let lastStoreFile = ""
    for (let round = 1; round <= config.rounds; round++) {
      const storeFile = file(`store-${round}.sqlite`)
      const storeTime = await appendThroughStore(storeFile, sessions, config.concurrency)
      // The raw baseline commits as many appends per transaction as the writer did.
      const transactions = writerTransactions(storeFile)
      const perTransaction = Math.max(1, Math.round(sessions.length / transactions))
      const rawTime = await appendRaw(file(`raw-${round}.sqlite`), sessions, perTransaction)
      append.store.push(storeTime)
      append.raw.push(rawTime)
      append.perTransaction.push(perTransaction)
      log(`  append round ${round}/${config.rounds}: store ${storeTime.ms.toFixed(0)} ms (${transactions} transactions, ${perTransaction} appends each), raw ${rawTime.ms.toFixed(0)} ms`)
      lastStoreFile = storeFile
    }

    log("eventstore: reads")
    const reads = { all: new Samples(), rawAll: new Samples(), streams: new Samples(), rawStreams: new Samples() }
    const db = openDatabase(lastStoreFile)
    try {
      for (let round = 1; round <= config.rounds; round++) {
        const rawAll = await timed(() => rawReadAll(db))
        const rawStreams = await timed(() => rawReadStreams(db))
        const store = await storeReads(lastStoreFile)
        for (const [what, got] of [["raw readAll", rawAll.value], ["raw readStream", rawStreams.value], ["readAll", store.all], ["readStream", store.perStream]] as const) {
          check(what, got, events)
        }
        reads.rawAll.push(rawAll)
        reads.all.push(store.allTime)
        reads.rawStreams.push(rawStreams)
        reads.streams.push(store.perStreamTime)
        log(`  read round ${round}/${config.rounds}: readAll ${store.allTime.ms.toFixed(0)} ms vs raw ${rawAll.ms.toFixed(0)} ms; readStream ${store.perStreamTime.ms.toFixed(0)} ms vs raw ${rawStreams.ms.toFixed(0)} ms`)
      }
    } finally {
      db.close()
    }

    log(`eventstore: ${config.latencyAppends} sequential appends`)
    const warmup = Math.min(200, Math.floor(config.latencyAppends / 10))
    const single = makeSessions(config.latencyAppends + warmup, { seed: 2 }).map((s) => ({ stream: s.stream, events: s.events.slice(0, 1) }))
    const latency = { store: new Array<number>(), raw: new Array<number>() }
    for (let round = 1; round <= config.rounds; round++) {
      const raw = await rawLatencies(file(`latency-raw-${round}.sqlite`), single, warmup)
      const store = await storeLatencies(file(`latency-store-${round}.sqlite`), single, warmup)
      latency.raw.push(...raw)
      latency.store.push(...store)
    }
    const p = (xs: ReadonlyArray<number>, q: number) => `${quantile(xs, q).toFixed(3)} ms`
    const latencyRatio = (q: number) => (quantile(latency.store, q) / quantile(latency.raw, q)).toFixed(2)

    const comparisons: Array<Comparison> = [
      {
        name: `append, ${config.concurrency} concurrent calls of 1–5 events`,
        subject: "EventStore.append (writer batches concurrent calls; one transaction per batch on the writer's own connection; per call: MAX(revision) check, prepared INSERT per row, a SAVEPOINT only for multi-event calls)",
        baseline: "better-sqlite3, one prepared INSERT per row (JSON.stringify of data and metadata included), same rows, same appends per transaction",
        items: events,
        ...versus(append.store, append.raw)
      },
      {
        name: "readAll, whole log",
        subject: "Stream.runFold over EventStore.readAll() (pages of 1000), reading each event's data",
        baseline: "better-sqlite3 SELECT * … ORDER BY position, iterate, JSON.parse of data and metadata into the same record",
        items: events,
        ...versus(reads.all, reads.rawAll)
      },
      {
        name: `readStream, all ${attackerStreams.length} streams in turn`,
        subject: "Stream.runFold over EventStore.readStream(stream), one stream after the other, reading each event's data",
        baseline: "better-sqlite3 SELECT * … WHERE stream = ? ORDER BY revision (prepared once), iterate, JSON.parse as above",
        items: events,
        ...versus(reads.streams, reads.rawStreams)
      }
    ]
    return {
      title: "Embedded event store vs raw better-sqlite3",
      comparisons,
      notes: [
        `append batching: the writer committed ${median(append.perTransaction)} appends (≈${(median(append.perTransaction) * events / sessions.length).toFixed(0)} events) per transaction (median over rounds); ${sessions.length.toLocaleString("en-US")} appends in all`,
        `single-append latency, ${config.latencyAppends} sequential awaited appends of 1 event × ${config.rounds} rounds: p50 ${p(latency.store, 0.5)}, p99 ${p(latency.store, 0.99)}, max ${p(latency.store, 1)}; ` +
          `baseline (better-sqlite3, one transaction per append) p50 ${p(latency.raw, 0.5)}, p99 ${p(latency.raw, 0.99)}; ratio p50 ${latencyRatio(0.5)}×, p99 ${latencyRatio(0.99)}×`
      ]
    }
  })
