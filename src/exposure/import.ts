/**
 * `scan import`: an nmap report → ScanStarted, one append per host into `host-<ip>`
 * (HostScanned + the findings it raises or resolves, atomically, at the stream's
 * expected revision), ScanCompleted with counts. A malformed or truncated report
 * keeps the hosts read before the fault; ScanCompleted records the failure.
 */
import { Effect, Either, Schedule, Stream } from "effect"
import { randomUUID } from "node:crypto"
import { parseServices } from "../../adapters/nmap/host.js"
import { NmapReadError, openReport, readNmap } from "../../adapters/nmap/reader.js"
import type { NmapRun } from "../../adapters/nmap/reader.js"
import type { NmapHost } from "../../adapters/nmap/host.js"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { decodeRecorded, envelope, HostScanned, ScanCompleted, ScanStarted } from "../../domain/events/index.js"
import type { DomainEvent, PortExposureDetected, PortExposureResolved, Transport } from "../../domain/events/index.js"
import { allowedPorts, coverageOf, detect, isExposed } from "../../domain/exposure/detect.js"
import type { AllowedPorts, Coverage, DetectOptions } from "../../domain/exposure/detect.js"
import { applyFinding, isFindingEvent } from "../../domain/exposure/findings.js"
import type { OpenFinding } from "../../domain/exposure/findings.js"
import { StreamName } from "../../domain/streams.js"
import { readInventory } from "../inventory/commands.js"

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

const coveredOf = (infos: ReadonlyArray<{ protocol: string; services: string }>) =>
  infos.flatMap((info) => {
    if (info.protocol !== "tcp" && info.protocol !== "udp") return []
    const transport: Transport = info.protocol
    return (parseServices(info.services) ?? []).map(([min, max]) => ({ transport, min, max }))
  })

const recordHost = (
  store: EventStoreShape,
  scanId: string,
  host: NmapHost,
  coverage: Coverage,
  allowed: AllowedPorts,
  options: DetectOptions,
  correlationId: string
) =>
  Effect.gen(function* () {
    const { findings, revision } = yield* readHostFindings(store, host.ip)
    const result = detect({ scanId, ip: host.ip, status: host.status, ports: host.ports }, coverage, findings, allowed, options)
    const at = new Date()
    const scanned = new HostScanned({ scanId, ip: host.ip, status: host.status, addresses: host.addresses, hostnames: host.hostnames, ports: host.ports, covered: [] })
    const events: Array<DomainEvent> = [scanned, ...result.detected, ...result.resolved]
    yield* store.append(
      StreamName.host(host.ip),
      events.map((e) => envelope(e, { eventId: randomUUID(), at, correlationId })),
      revision < 0 ? "no_stream" : revision
    )
    return result
  }).pipe(
    Effect.retry({ while: (e) => e._tag === "ConcurrencyError", schedule: Schedule.intersect(Schedule.exponential("100 millis"), Schedule.recurs(3)) })
  )

export const importScan = (store: EventStoreShape, file: string, options: ImportOptions) =>
  Effect.gen(function* () {
    const t0 = Date.now()
    const scanId = randomUUID()
    const { state } = yield* readInventory(store)
    const allowed = allowedPorts(state)
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
      return store.append(StreamName.scan(scanId), [envelope(event, { eventId: randomUUID(), at: new Date(), correlationId: scanId })], "no_stream").pipe(Effect.asVoid)
    })

    const read = Stream.fromAsyncIterable(readNmap(openReport(file)), (e) =>
      e instanceof NmapReadError ? e : new NmapReadError("Read", e instanceof Error ? e.message : String(e), 0, 0)
    ).pipe(
      Stream.runForEach((item) =>
        Effect.gen(function* () {
          if (item._tag === "Run") run = item.run
          else if (item._tag === "ScanInfo") infos.push(item.info)
          else {
            yield* start
            const result = yield* recordHost(store, scanId, item.host, coverage, allowed, options, scanId)
            acc.hosts++
            if (item.host.status === "up") acc.hostsUp++
            acc.openPorts += item.host.ports.filter((p) => isExposed(p, options)).length
            detected.push(...result.detected)
            resolved.push(...result.resolved)
            if (options.onProgress !== undefined && acc.hosts % every === 0) yield* options.onProgress(acc.hosts)
          }
        })
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
    yield* store.append(StreamName.scan(scanId), [envelope(completed, { eventId: randomUUID(), at: new Date(), correlationId: scanId })], "any")
    const summary: ScanSummary = { scanId, file, ...acc, detected, resolved, failure }
    return summary
  })
