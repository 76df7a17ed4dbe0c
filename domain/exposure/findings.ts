/** Open findings of one host, folded from its `host-<ip>` stream. */
import type { Transport } from "../events/common.js"
import type { PortExposureAcknowledged, PortExposureDetected, PortExposureResolved } from "../events/exposure.js"

export interface OpenFinding {
  readonly host: string
  readonly port: number
  readonly transport: Transport
  readonly hostType: string | null
  readonly service: string | null
  readonly scanId: string
  readonly detectedAt: Date
  readonly acknowledged: { readonly reason: string; readonly by: string; readonly at: Date } | null
}

/** "80/tcp" → finding */
export type HostFindings = ReadonlyMap<string, OpenFinding>

export const findingKey = (port: number, transport: Transport): string => `${port}/${transport}`

export type FindingEvent = PortExposureDetected | PortExposureResolved | PortExposureAcknowledged

/** Applies one event in place (the fold runs once per scanned host, so it must be cheap). */
export const applyFinding = (findings: Map<string, OpenFinding>, event: FindingEvent, at: Date): void => {
  const key = findingKey(event.port, event.transport)
  switch (event._tag) {
    case "PortExposureDetected":
      findings.set(key, {
        host: event.host,
        port: event.port,
        transport: event.transport,
        hostType: event.hostType,
        service: event.service,
        scanId: event.scanId,
        detectedAt: at,
        acknowledged: null
      })
      return
    case "PortExposureResolved":
      findings.delete(key)
      return
    case "PortExposureAcknowledged": {
      const open = findings.get(key)
      if (open !== undefined) findings.set(key, { ...open, acknowledged: { reason: event.reason, by: event.by, at } })
      return
    }
    default: {
      const unreachable: never = event
      return unreachable
    }
  }
}

export const isFindingEvent = (event: { readonly _tag: string }): event is FindingEvent =>
  event._tag === "PortExposureDetected" || event._tag === "PortExposureResolved" || event._tag === "PortExposureAcknowledged"
