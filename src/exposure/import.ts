/**
 * `scan import`: an nmap report → ScanStarted, one append per host into `host-<ip>`
 * (HostScanned + the findings it raises or resolves, atomically, at the stream's
 * expected revision), ScanCompleted with counts. A malformed or truncated report
 * keeps the hosts read before the fault; ScanCompleted records the failure.
 */
import { Effect, Either, Option, Schedule, Stream } from "effect"
import { randomUUID } from "node:crypto"
import { parseServices } from "../../adapters/nmap/host.js"
import { readNmapBatches } from "../../adapters/nmap/parallel.js"
import type { NmapBatchReader } from "../../adapters/nmap/parallel.js"
import { NmapReadError } from "../../adapters/nmap/reader.js"
import type { NmapItem, NmapRun } from "../../adapters/nmap/reader.js"
import type { NmapHost } from "../../adapters/nmap/host.js"
import type { AppendPart, ConcurrencyError, EventStoreError, EventStoreShape } from "../../domain/EventStore.js"
import { decodeRecorded, envelope, HostScanned, ScanCompleted, ScanStarted } from "../../domain/events/index.js"
import type { DomainEvent, PortExposureDetected, PortExposureResolved, Position, Transport } from "../../domain/events/index.js"
import { allowedPorts, coverageOf, detect, isExposed } from "../../domain/exposure/detect.js"
import type { AllowedPorts, Coverage, DetectOptions } from "../../domain/exposure/detect.js"
import { applyFinding, isFindingEvent } from "../../domain/exposure/findings.js"
import type { OpenFinding } from "../../domain/exposure/findings.js"
import { StreamName } from "../../domain/streams.js"
import { readInventory } from "../inventory/commands.js"
import { loadOpenFindings } from "./findings.js"
import { newEventId } from "../../domain/eventId.js"

export interface ImportOptions extends DetectOptions {
  readonly source: "file" | "schedule" | "watch"
  /** called every `progressEvery` hosts and at the end */
  readonly onProgress?: (hosts: number) => Effect.Effect<void>
  readonly progressEvery?: number
}

export interface ScanSummary {
  readonly scanId: string
  readonly file: string
  readonly hosts: number
  readonly hostsUp: number
  readonly openPorts: number
  readonly detected: ReadonlyArray<PortExposureDetected>
  readonly resolved: ReadonlyArray<PortExposureResolved>
  readonly failure: { readonly reason: string; readonly line: number; readonly offset: number } | null
}

/** The one-line summary of an import (CLI output, the scheduler's log). */
export const describeScan = (s: ScanSummary): string =>
  `${s.file}: ${s.hosts} hosts (${s.hostsUp} up), ${s.openPorts} open ports; ${s.detected.length} new findings, ${s.resolved.length} resolved` +
  (s.failure === null ? "" : `\n  FAILED: ${s.failure.reason} — hosts before the fault were kept`)

/** Folds a host's stream: open findings + revision. */
export const readHostFindings = (store: EventStoreShape, ip: string) =>
  Effect.gen(function* () {
    const findings = new Map<string, OpenFinding>()
    let revision = -1
    yield* store.readStream(StreamName.host(ip)).pipe(
      Stream.runForEach((recorded) =>
        Effect.sync(() => {
          revision = recorded.revision
          if (!recorded.type.startsWith("PortExposure")) return
          const decoded = decodeRecorded(recorded)
          if (Either.isRight(decoded) && isFindingEvent(decoded.right.event)) applyFinding(findings, decoded.right.event, decoded.right.meta.at)
        })
      )
    )
    return { findings, revision }
  })

type OpenFindings = Effect.Effect.Success<ReturnType<typeof loadOpenFindings>>

/** whether a host stream's last event is newer than the preloaded findings (then only its own fold is current) */
const movedPast = (store: EventStoreShape, position: Position, preloaded: OpenFindings): boolean =>
  preloaded.head === null || store.comparePositions(position, preloaded.head) > 0

/** a host's preloaded open findings (none for a host never seen) */
const preloadedOf = (preloaded: OpenFindings, ip: string): ReadonlyMap<string, OpenFinding> => preloaded.byHost.get(ip) ?? noFindings
const noFindings: ReadonlyMap<string, OpenFinding> = new Map()

/**
 * A host's open findings and revision: its last event tells the revision, and whether the
 * stream moved past the preloaded findings (an ack, another import, the same host twice
 * in one report): then, and only then, the stream is folded in full.
 */
const hostFindings = (store: EventStoreShape, ip: string, preloaded: OpenFindings) =>
  Effect.gen(function* () {
    const last = yield* Stream.runHead(store.readStream(StreamName.host(ip), { direction: "backwards", maxCount: 1 }))
    if (Option.isNone(last)) return { findings: noFindings, revision: -1 }
    if (movedPast(store, last.value.position, preloaded)) return yield* readHostFindings(store, ip)
    return { findings: preloadedOf(preloaded, ip), revision: last.value.revision }
  })

const coveredOf = (infos: ReadonlyArray<{ protocol: string; services: string }>) =>
  infos.flatMap((info) => {
    if (info.protocol !== "tcp" && info.protocol !== "udp") return []
    const transport: Transport = info.protocol
    return (parseServices(info.services) ?? []).map(([min, max]) => ({ transport, min, max }))
  })

/** What every host of one import is recorded against. */
interface ScanContext {
  readonly store: EventStoreShape
  readonly scanId: string
  /** the port ranges the scan covered (from its scaninfo) */
  readonly coverage: Coverage
  readonly allowed: AllowedPorts
  readonly options: DetectOptions
  readonly correlationId: string
  readonly preloaded: OpenFindings
}

/** A host's events for this scan: HostScanned + the findings it raises or resolves. */
const hostEvents = ({ scanId, coverage, allowed, options, correlationId }: ScanContext, host: NmapHost, findings: ReadonlyMap<string, OpenFinding>) => {
  const result = detect({ scanId, ip: host.ip, status: host.status, ports: host.ports }, coverage, findings, allowed, options)
  const at = new Date()
  const now = at.getTime()
  // not validated again: toNmapHost already gave a canonical IP, ports 0–65535 and tcp/udp only
  const scanned = new HostScanned({ scanId, ip: host.ip, status: host.status, addresses: host.addresses, hostnames: host.hostnames, ports: host.ports, covered: [] }, true)
  const events: Array<DomainEvent> = [scanned, ...result.detected, ...result.resolved]
  return { result, events: events.map((e) => envelope(e, { eventId: newEventId(now), at, correlationId })) }
}

type HostResult = ReturnType<typeof hostEvents>["result"]

/** One host on its own: its stream read, its append retried on a concurrent change. */
const recordHost = (context: ScanContext, host: NmapHost) =>
  Effect.gen(function* () {
    const { store, preloaded } = context
    const { findings, revision } = yield* hostFindings(store, host.ip, preloaded)
    const { result, events } = hostEvents(context, host, findings)
    yield* store.append(StreamName.host(host.ip), events, revision < 0 ? "no_stream" : revision)
    return result
  }).pipe(
    Effect.retry({ while: (e) => e._tag === "ConcurrencyError", schedule: Schedule.intersect(Schedule.exponential("100 millis"), Schedule.recurs(3)) })
  )

/**
 * A batch of hosts at once: their streams' heads in one query and every host's events in
 * one `appendMany` (one transaction in the embedded store), each part at its stream's
 * expected revision. A host whose stream moved past the preloaded findings, that appears
 * twice in the batch, or whose part met a concurrent change (an ack) is recorded on its
 * own afterwards by `recordHost`, which reads its stream.
 */
const recordHosts = (context: ScanContext, hosts: ReadonlyArray<NmapHost>) =>
  Effect.gen(function* () {
    const { store, preloaded } = context
    if (hosts.length === 0) return []
    const streams = hosts.map((h) => StreamName.host(h.ip))
    const heads = yield* store.streamHeads(streams)
    const results = new Array<HostResult | null>(hosts.length).fill(null)
    const parts: Array<AppendPart> = []
    const partOf: Array<number> = []
    const batched = new Set<string>()
    hosts.forEach((host, i) => {
      const stream = streams[i]!
      const head = heads.get(stream)
      if ((head !== undefined && movedPast(store, head.position, preloaded)) || batched.has(stream)) return
      batched.add(stream)
      const findings = head === undefined ? noFindings : preloadedOf(preloaded, host.ip)
      const { result, events } = hostEvents(context, host, findings)
      results[i] = result
      parts.push({ stream, events, expected: head === undefined ? "no_stream" : head.revision })
      partOf.push(i)
    })
    const outcomes = parts.length === 0 ? [] : yield* store.appendMany(parts)
    outcomes.forEach((outcome, k) => {
      if (outcome._tag === "Left") results[partOf[k]!] = null
    })
    for (let i = 0; i < hosts.length; i++) {
      if (results[i] === null) results[i] = yield* recordHost(context, hosts[i]!)
    }
    return results as ReadonlyArray<HostResult>
  })

/**
 * How many batches (of 256 hosts) the reader may parse ahead: enough for it to work
 * through the ≈ 0.7 s the inventory of a /16 takes to load, at a few MB of parsed hosts.
 */
const readAhead = 32

export const importScan = (store: EventStoreShape, file: string, options: ImportOptions) =>
  Effect.acquireUseRelease(
    // the worker starts parsing now, while the inventory and the open findings load
    Effect.sync(() => readNmapBatches(file, { readAhead })),
    (reader) => importFrom(store, file, reader, options),
    (reader) => Effect.promise(() => reader.close())
  )

const importFrom = (store: EventStoreShape, file: string, reader: NmapBatchReader, options: ImportOptions) =>
  Effect.gen(function* () {
    const t0 = Date.now()
    const scanId = randomUUID()
    const { state } = yield* readInventory(store)
    const allowed = allowedPorts(state)
    const preloaded = yield* loadOpenFindings(store)
    let run: NmapRun | null = null
    const infos: Array<{ protocol: string; services: string }> = []
    let started = false
    let coverage: Coverage = coverageOf([])
    const acc = { hosts: 0, hostsUp: 0, openPorts: 0 }
    const detected: Array<PortExposureDetected> = []
    const resolved: Array<PortExposureResolved> = []
    const every = options.progressEvery ?? 1000

    const start = Effect.suspend(() => {
      if (started) return Effect.void
      started = true
      const covered = coveredOf(infos)
      coverage = coverageOf(covered)
      const event = new ScanStarted({ scanId, source: options.source, file, args: run?.args ?? null, startedAt: new Date(t0), covered })
      return store.append(StreamName.scan(scanId), [envelope(event, { eventId: newEventId(), at: new Date(), correlationId: scanId })], "no_stream").pipe(Effect.asVoid)
    })
    // Hosts are recorded a batch at a time (`recordHosts`: one head query, one appendMany).
    // The report is read and parsed on a worker thread, a few batches ahead (parallel.ts);
    // a Stream element per host with a concurrent mapEffect cost ≈ 0.25 ms of stream
    // machinery per host (bench/RESULTS.md). Each batch is finished before the next is
    // taken; a read fault becomes the stream's last element, after the hosts read before
    // it, so those are all recorded and nothing in flight is interrupted.
    const recordBatch = (items: ReadonlyArray<NmapItem>) =>
      Effect.gen(function* () {
        const hosts: Array<NmapHost> = []
        for (const item of items) {
          if (item._tag === "Run") run = item.run
          else if (item._tag === "ScanInfo") infos.push(item.info)
          else {
            yield* start // at the first host, with the scaninfo read so far
            hosts.push(item.host)
          }
        }
        const results = yield* recordHosts({ store, scanId, coverage, allowed, options, correlationId: scanId, preloaded }, hosts)
        for (let i = 0; i < hosts.length; i++) {
          const host = hosts[i]!
          const result = results[i]!
          acc.hosts++
          if (host.status === "up") acc.hostsUp++
          for (const p of host.ports) if (isExposed(p, options)) acc.openPorts++
          for (const d of result.detected) detected.push(d)
          for (const r of result.resolved) resolved.push(r)
          if (options.onProgress !== undefined && acc.hosts % every === 0) yield* options.onProgress(acc.hosts)
        }
      })
    const read = Stream.fromAsyncIterable(reader, (e) =>
      e instanceof NmapReadError ? e : new NmapReadError("Read", e instanceof Error ? e.message : String(e), 0, 0)
    ).pipe(
      Stream.either,
      Stream.runForEach((next): Effect.Effect<void, NmapReadError | EventStoreError | ConcurrencyError> =>
        Either.isLeft(next) ? Effect.fail(next.left) : recordBatch(next.right)
      )
    )
    const outcome = yield* Effect.either(read)
    if (Either.isLeft(outcome) && !(outcome.left instanceof NmapReadError)) return yield* Effect.fail(outcome.left)
    const failure = Either.isLeft(outcome) && outcome.left instanceof NmapReadError
      ? { reason: outcome.left.message, line: outcome.left.line, offset: outcome.left.offset }
      : null
    yield* start
    if (options.onProgress !== undefined) yield* options.onProgress(acc.hosts)
    const completed = new ScanCompleted({ scanId, ...acc, durationMs: Date.now() - t0, failure })
    yield* store.append(StreamName.scan(scanId), [envelope(completed, { eventId: newEventId(), at: new Date(), correlationId: scanId })], "any")
    const summary: ScanSummary = { scanId, file, ...acc, detected, resolved, failure }
    return summary
  })
