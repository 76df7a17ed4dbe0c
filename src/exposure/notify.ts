/**
 * After each scan: at most one report mail. Sent → ExposureReportSent (message id) in
 * `scan-<id>`; every failed attempt → ExposureReportFailed with the next delay, so an
 * SMTP outage is visible in the event log; nothing is sent when nothing changed.
 */
import { Duration, Effect } from "effect"
import { randomUUID } from "node:crypto"
import { sendMail } from "../../adapters/mailer/smtp.js"
import type { SmtpOptions } from "../../adapters/mailer/smtp.js"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { envelope, ExposureReportFailed, ExposureReportSent } from "../../domain/events/index.js"
import type { DomainEvent } from "../../domain/events/index.js"
import { StreamName } from "../../domain/streams.js"
import { currentConfig } from "../AppConfig.js"
import { readInventory } from "../inventory/commands.js"
import type { ScanSummary } from "./import.js"
import { renderReport } from "./report.js"

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

const record = (store: EventStoreShape, scanId: string, event: DomainEvent) =>
  store.append(StreamName.scan(scanId), [envelope(event, { eventId: randomUUID(), at: new Date(), correlationId: scanId })], "any")

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
    let delay = Duration.decode(settings.backoff)
    for (let attempt = 1; ; attempt++) {
      const sent = yield* Effect.either(sendMail(settings.smtp, { from: settings.from, to: settings.to, ...content }))
      if (sent._tag === "Right") {
        yield* record(store, summary.scanId, new ExposureReportSent({
          scanId: summary.scanId,
          messageId: sent.right.messageId,
          to: settings.to,
          newFindings: summary.detected.length,
          resolvedFindings: summary.resolved.length
        }))
        return { _tag: "Sent", messageId: sent.right.messageId, attempts: attempt } as NotifyOutcome
      }
      const last = attempt >= settings.attempts
      yield* record(store, summary.scanId, new ExposureReportFailed({
        scanId: summary.scanId,
        attempt,
        error: sent.left.message,
        retryInMs: last ? null : Duration.toMillis(delay)
      }))
      if (last) return { _tag: "Failed", error: sent.left.message, attempts: attempt } as NotifyOutcome
      yield* Effect.logWarning(`scan ${summary.scanId}: report mail failed (${sent.left.message}); retrying in ${Duration.format(delay)}`)
      yield* Effect.sleep(delay)
      delay = Duration.times(delay, 2)
    }
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

export const notifyScan = (store: EventStoreShape, summary: ScanSummary) =>
  Effect.flatMap(notifySettings, (settings) => notifyWith(store, summary, settings))
