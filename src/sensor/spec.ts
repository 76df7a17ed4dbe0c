/** What one listener fiber serves: one (transport, port) of a configured service. */
import type { SecureContext } from "node:tls"
import type { EventSinkShape } from "./EventSink.js"
import type { Limits } from "./limits.js"
import type { RecordingLimits } from "./recorder.js"

export interface ListenerSpec {
  /** "tcp:10022" — the FiberMap key */
  readonly key: string
  readonly service: string
  readonly plugin: string
  readonly transport: "tcp" | "udp"
  readonly bind: string
  readonly port: number
  readonly publicPort: number
  readonly options: Readonly<Record<string, unknown>>
}

export interface ListenerDeps {
  readonly sensorId: string
  readonly dataDir: string
  readonly sink: EventSinkShape
  readonly limits: Limits
  readonly recording: RecordingLimits
  readonly idleTimeoutMs: number
  readonly udpSessionIdleMs: number
  readonly maxUdpSessions: number
  /** TLS material for plugins served under TLS (https), loaded once */
  readonly secureContext: () => Promise<SecureContext>
}

export class ListenError extends Error {
  readonly _tag = "ListenError"
  constructor(
    readonly spec: ListenerSpec,
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

/** the error a listener fails with when its socket cannot bind or dies */
export const listenError = (spec: ListenerSpec) => (e: NodeJS.ErrnoException) =>
  new ListenError(spec, e.code ?? "EUNKNOWN", `${spec.key}: ${e.message}`)

/** a plugin's reply as bytes; strings are sent as UTF-8 */
export const toBytes = (data: Uint8Array | string): Uint8Array => (typeof data === "string" ? Buffer.from(data, "utf8") : data)
