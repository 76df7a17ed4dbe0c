/** The exposure loop: scans of our own hosts (`host-<ip>`, `scan-<id>`) and the findings they raise. */
import { Schema } from "effect"
import { IpAddress, Port, Timestamp, Transport } from "./common.js"

export const ScannedPort = Schema.Struct({
  port: Port,
  transport: Transport,
  /** open, closed, filtered, open|filtered, … as nmap reports it */
  state: Schema.String,
  reason: Schema.NullOr(Schema.String),
  service: Schema.NullOr(
    Schema.Struct({
      name: Schema.NullOr(Schema.String),
      product: Schema.NullOr(Schema.String),
      version: Schema.NullOr(Schema.String)
    })
  )
})
export type ScannedPort = typeof ScannedPort.Type

export class HostScanned extends Schema.TaggedClass<HostScanned>()("HostScanned", {
  scanId: Schema.String,
  ip: IpAddress,
  status: Schema.String,
  addresses: Schema.Array(Schema.Struct({ addr: Schema.String, type: Schema.String })),
  hostnames: Schema.Array(Schema.String),
  ports: Schema.Array(ScannedPort),
  /** port ranges the scan covered per transport, so a closed port can resolve a finding */
  covered: Schema.optionalWith(Schema.Array(Schema.Struct({ transport: Transport, min: Port, max: Port })), {
    default: () => []
  })
}) {}

const finding = {
  host: IpAddress,
  port: Port,
  transport: Transport,
  scanId: Schema.String
}

export class PortExposureDetected extends Schema.TaggedClass<PortExposureDetected>()("PortExposureDetected", {
  ...finding,
  service: Schema.NullOr(Schema.String),
  /** null when the host is not in the inventory at all */
  hostType: Schema.NullOr(Schema.String)
}) {}

export class PortExposureResolved extends Schema.TaggedClass<PortExposureResolved>()("PortExposureResolved", {
  ...finding,
  /** closed: a later scan covered the port and did not find it open; allowed: the inventory now allows it */
  resolution: Schema.optionalWith(Schema.Literal("closed", "allowed"), { default: () => "closed" })
}) {}

export class PortExposureAcknowledged extends Schema.TaggedClass<PortExposureAcknowledged>()(
  "PortExposureAcknowledged",
  { host: IpAddress, port: Port, transport: Transport, reason: Schema.String, by: Schema.String }
) {}

export class ScanStarted extends Schema.TaggedClass<ScanStarted>()("ScanStarted", {
  scanId: Schema.String,
  source: Schema.Literal("file", "schedule", "watch"),
  file: Schema.NullOr(Schema.String),
  args: Schema.NullOr(Schema.String),
  startedAt: Timestamp,
  /** port ranges the scan covered per transport (nmap's scaninfo), for every host of the scan */
  covered: Schema.optionalWith(Schema.Array(Schema.Struct({ transport: Transport, min: Port, max: Port })), { default: () => [] })
}) {}

export class ScanCompleted extends Schema.TaggedClass<ScanCompleted>()("ScanCompleted", {
  scanId: Schema.String,
  hosts: Schema.NonNegativeInt,
  hostsUp: Schema.NonNegativeInt,
  openPorts: Schema.NonNegativeInt,
  durationMs: Schema.NonNegativeInt,
  /** set when the report was malformed; hosts before the fault are kept */
  failure: Schema.NullOr(Schema.Struct({ reason: Schema.String, line: Schema.Int, offset: Schema.Int }))
}) {}

export class ExposureReportSent extends Schema.TaggedClass<ExposureReportSent>()("ExposureReportSent", {
  scanId: Schema.String,
  messageId: Schema.String,
  to: Schema.Array(Schema.String),
  newFindings: Schema.NonNegativeInt,
  resolvedFindings: Schema.NonNegativeInt
}) {}

/** The rendered report mail, kept so a report that could not be sent is re-sent as it was. */
export const ExposureReportContent = Schema.Struct({
  subject: Schema.String,
  text: Schema.String,
  html: Schema.String,
  newFindings: Schema.NonNegativeInt,
  resolvedFindings: Schema.NonNegativeInt
})
export type ExposureReportContent = typeof ExposureReportContent.Type

export class ExposureReportFailed extends Schema.TaggedClass<ExposureReportFailed>()("ExposureReportFailed", {
  scanId: Schema.String,
  attempt: Schema.Int,
  error: Schema.String,
  /** null: nothing in this process will retry it; the resend loop (or `exposure resend`) will */
  retryInMs: Schema.NullOr(Schema.NonNegativeInt),
  /** the report itself, on a scan's first failure: what `exposure resend` delivers */
  report: Schema.optionalWith(Schema.NullOr(ExposureReportContent), { default: () => null })
}) {}

/**
 * A scan honeyhole ran itself (a schedule or `scan run`) that produced no report to
 * import: refused arguments, nmap missing, a non-zero exit, killed, no valid target.
 * Recorded in `scan-<runId>`; the report nmap left behind (if any) is kept.
 */
export class ScanRunFailed extends Schema.TaggedClass<ScanRunFailed>()("ScanRunFailed", {
  runId: Schema.String,
  /** the schedule's name; null for `scan run --targets …` */
  schedule: Schema.NullOr(Schema.String),
  targets: Schema.Array(Schema.String),
  /** nmap's argv as run (for refused arguments: as configured) */
  args: Schema.Array(Schema.String),
  reason: Schema.Literal("InvalidArgs", "Spawn", "Exit", "Signal", "NoTargets"),
  error: Schema.String,
  exitCode: Schema.NullOr(Schema.Int),
  signal: Schema.NullOr(Schema.String),
  /** the last lines nmap wrote to stderr */
  stderrTail: Schema.String,
  report: Schema.NullOr(Schema.String),
  startedAt: Timestamp
}) {}

export const ExposureEvent = Schema.Union(
  HostScanned,
  PortExposureDetected,
  PortExposureResolved,
  PortExposureAcknowledged,
  ScanStarted,
  ScanCompleted,
  ExposureReportSent,
  ExposureReportFailed,
  ScanRunFailed
)
