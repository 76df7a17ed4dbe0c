/**
 * After each scan: at most one report mail. Sent → ExposureReportSent (message id) in
 * `scan-<id>`; every failed attempt → ExposureReportFailed with the next delay, so an
 * SMTP outage is visible in the event log; nothing is sent when nothing changed.
 * The first failure records the rendered report itself, so a report that outlives its
 * retries (or the process) is re-sent as it was by `resendPending`.
 */
import { Clock, Duration, Effect, Either, Stream } from "effect"
import { sendMail } from "../../adapters/mailer/smtp.js"
import type { SmtpOptions } from "../../adapters/mailer/smtp.js"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { decodeRecorded, envelope, ExposureReportFailed, ExposureReportSent } from "../../domain/events/index.js"
import type { DomainEvent, ExposureReportContent } from "../../domain/events/index.js"
import { StreamName } from "../../domain/streams.js"
import { currentConfig } from "../AppConfig.js"
import { readInventory } from "../inventory/commands.js"
import type { ScanSummary } from "./import.js"
import { renderReport } from "./report.js"
import { newEventId } from "../../domain/eventId.js"

export interface NotifySettings {
  readonly smtp: SmtpOptions
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly attempts: number
  /** first retry delay; doubles each time */
  readonly backoff: Duration.DurationInput
}

export type NotifyOutcome =
  | { readonly _tag: "Unchanged" }
  | { readonly _tag: "NoRecipients" }
  | { readonly _tag: "Sent"; readonly messageId: string; readonly attempts: number }
  | { readonly _tag: "Failed"; readonly error: string; readonly attempts: number }

export const record = (store: EventStoreShape, scanId: string, event: DomainEvent) =>
  store.append(StreamName.scan(scanId), [envelope(event, { eventId: newEventId(), at: new Date(), correlationId: scanId })], "any")

/** One attempt: the mail, then ExposureReportSent on success. */
export const deliver = (store: EventStoreShape, scanId: string, report: ExposureReportContent, settings: NotifySettings) =>
  Effect.either(sendMail(settings.smtp, { from: settings.from, to: settings.to, subject: report.subject, text: report.text, html: report.html })).pipe(
    Effect.tap((sent) =>
      sent._tag === "Left"
        ? Effect.void
        : record(store, scanId, new ExposureReportSent({
            scanId,
            messageId: sent.right.messageId,
            to: settings.to,
            newFindings: report.newFindings,
            resolvedFindings: report.resolvedFindings
          }))
    )
  )

export const sendScanReport = (store: EventStoreShape, summary: ScanSummary, settings: NotifySettings) =>
  Effect.gen(function* () {
    const { state } = yield* readInventory(store)
    const content = renderReport(summary, (ip) => {
      const host = state.hosts.get(ip)
      return host?.enabled === true ? host.hostType : null
    })
    if (content === null) return { _tag: "Unchanged" } as NotifyOutcome
    if (settings.to.length === 0) {
      yield* Effect.logWarning(`scan ${summary.scanId}: findings changed but notify.to is empty; no report mail`)
      return { _tag: "NoRecipients" } as NotifyOutcome
    }
    const report: ExposureReportContent = { ...content, newFindings: summary.detected.length, resolvedFindings: summary.resolved.length }
    let delay = Duration.decode(settings.backoff)
    for (let attempt = 1; ; attempt++) {
      const sent = yield* deliver(store, summary.scanId, report, settings)
      if (sent._tag === "Right") return { _tag: "Sent", messageId: sent.right.messageId, attempts: attempt } as NotifyOutcome
      const last = attempt >= settings.attempts
      yield* record(store, summary.scanId, new ExposureReportFailed({
        scanId: summary.scanId,
        attempt,
        error: sent.left.message,
        retryInMs: last ? null : Duration.toMillis(delay),
        report: attempt === 1 ? report : null
      }))
      if (last) return { _tag: "Failed", error: sent.left.message, attempts: attempt } as NotifyOutcome
      yield* Effect.logWarning(`scan ${summary.scanId}: report mail failed (${sent.left.message}); retrying in ${Duration.format(delay)}`)
      yield* Effect.sleep(delay)
      delay = Duration.times(delay, 2)
    }
  })

export interface PendingReport {
  readonly scanId: string
  readonly report: ExposureReportContent
  readonly failures: number
  readonly lastError: string
  readonly lastFailedAt: Date
  /** a process is still retrying it (the last failure announced a retry that is not overdue) */
  readonly inFlight: boolean
}

/** how long past an announced retry before the report counts as abandoned (the retrier died) */
const overdueAfterMs = 5 * 60_000

/** Reports whose last failure has no ExposureReportSent after it, oldest first. */
export const pendingReports = (store: EventStoreShape, now: Date) =>
  Effect.gen(function* () {
    const byScan = new Map<string, { report: ExposureReportContent | null; failures: number; last: ExposureReportFailed; at: Date; sent: boolean }>()
    yield* store.readAll({ filter: { kind: "eventType", prefixes: ["ExposureReport"] } }).pipe(
      Stream.runForEach((recorded) =>
        Effect.sync(() => {
          const decoded = decodeRecorded(recorded)
          if (Either.isLeft(decoded)) return
          const event = decoded.right.event
          if (event._tag === "ExposureReportSent") {
            const entry = byScan.get(event.scanId)
            if (entry !== undefined) entry.sent = true
          } else if (event._tag === "ExposureReportFailed") {
            const entry = byScan.get(event.scanId)
            byScan.set(event.scanId, {
              report: event.report ?? entry?.report ?? null,
              failures: (entry?.failures ?? 0) + 1,
              last: event,
              at: decoded.right.meta.at,
              sent: false
            })
          }
        })
      )
    )
    const pending: Array<PendingReport> = []
    for (const [scanId, entry] of byScan) {
      if (entry.sent) continue
      if (entry.report === null) {
        yield* Effect.logWarning(`scan ${scanId}: report mail failed, but it was recorded without its content; import the scan again to re-send it`)
        continue
      }
      const retryAt = entry.last.retryInMs === null ? null : entry.at.getTime() + entry.last.retryInMs
      pending.push({
        scanId,
        report: entry.report,
        failures: entry.failures,
        lastError: entry.last.error,
        lastFailedAt: entry.at,
        inFlight: retryAt !== null && retryAt + overdueAfterMs > now.getTime()
      })
    }
    return pending
  })

export interface ResendResult {
  readonly scanId: string
  readonly subject: string
  readonly outcome: "Sent" | "Failed" | "InFlight" | "NoRecipients"
  readonly messageId: string | null
  readonly error: string | null
}

/**
 * One attempt per pending report (oldest first, at most `limit`). A failure is recorded
 * (no retry announced: the next resend is the retry). Reports a running retrier still
 * owns are left to it.
 */
export const resendPending = (store: EventStoreShape, settings: NotifySettings, options: { readonly limit?: number } = {}) =>
  Effect.gen(function* () {
    const pending = yield* pendingReports(store, new Date(yield* Clock.currentTimeMillis))
    const results: Array<ResendResult> = []
    for (const p of pending.slice(0, options.limit ?? 100)) {
      const base = { scanId: p.scanId, subject: p.report.subject }
      if (p.inFlight) {
        results.push({ ...base, outcome: "InFlight", messageId: null, error: p.lastError })
      } else if (settings.to.length === 0) {
        results.push({ ...base, outcome: "NoRecipients", messageId: null, error: "notify.to is empty" })
      } else {
        const sent = yield* deliver(store, p.scanId, p.report, settings)
        if (sent._tag === "Right") {
          yield* Effect.logInfo(`report mail for scan ${p.scanId} re-sent to ${settings.to.join(", ")} (${sent.right.messageId})`)
          results.push({ ...base, outcome: "Sent", messageId: sent.right.messageId, error: null })
        } else {
          yield* record(store, p.scanId, new ExposureReportFailed({ scanId: p.scanId, attempt: p.failures + 1, error: sent.left.message, retryInMs: null }))
          results.push({ ...base, outcome: "Failed", messageId: null, error: sent.left.message })
        }
      }
    }
    return results
  })

/** `notify.*` from the configuration; 5 attempts, 2 s doubling (2+4+8+16 s ≈ 30 s of outage). */
export const notifySettings = Effect.map(currentConfig, (config): NotifySettings => ({
  smtp: config.notify.smtp,
  from: config.notify.from,
  to: config.notify.to,
  attempts: 5,
  backoff: "2 seconds"
}))

/** The step after an import: send, and log the outcome. */
export const notifyWith = (store: EventStoreShape, summary: ScanSummary, settings: NotifySettings) =>
  Effect.gen(function* () {
    const outcome = yield* sendScanReport(store, summary, settings)
    if (outcome._tag === "Sent") yield* Effect.logInfo(`report mail sent to ${settings.to.join(", ")} (${outcome.messageId})`)
    if (outcome._tag === "Failed") yield* Effect.logError(`report mail for scan ${summary.scanId} failed after ${outcome.attempts} attempts: ${outcome.error}`)
    return outcome
  })

/** `notifyWith` after an import that must go on whatever the mail does: a failure is logged (the report stays pending for the re-sender). */
export const mailAfter = (store: EventStoreShape, settings: NotifySettings) => (summary: ScanSummary) =>
  notifyWith(store, summary, settings).pipe(
    Effect.catchAll((e) => Effect.logError(`exposure report for scan ${summary.scanId}: ${e.message}`)),
    Effect.asVoid
  )

export const notifyScan = (store: EventStoreShape, summary: ScanSummary) =>
  Effect.flatMap(notifySettings, (settings) => notifyWith(store, summary, settings))
