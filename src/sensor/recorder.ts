/**
 * Turns what happens in one session into events in `attacker-<ip>`: ContactOpened,
 * PayloadReceived/Sent (capped per event and per session), CredentialsTried,
 * ContactVerified, ContactClosed. Every follow-up event names the ContactOpened as its
 * cause and the session as its correlation, which `why <ip>` walks.
 */
import { summarize } from "../../adapters/sensor/payload.js"
import type { Credential, Facts, Proof, SessionContext, SocketRecorder } from "../../adapters/sensor/Plugin.js"
import {
  ContactClosed,
  ContactOpened,
  ContactVerified,
  CredentialsTried,
  envelope,
  PayloadReceived,
  PayloadSent
} from "../../domain/events/index.js"
import type { DomainEvent } from "../../domain/events/index.js"
import { StreamName } from "../../domain/streams.js"
import type { EventSinkShape } from "./EventSink.js"
import { newEventId } from "../../domain/eventId.js"

export interface RecordingLimits {
  /** bytes of hex/text kept per payload event */
  readonly payloadCap: number
  /** bytes of hex/text kept over a whole session; later payloads keep only length and md5 */
  readonly sessionCap: number
}

export interface SessionRecorder extends SocketRecorder {
  readonly verified: (proof: Proof) => void
  readonly closed: (reason: string) => void
  readonly bytesIn: () => number
  readonly bytesOut: () => number
}

export const startSession = (
  ctx: SessionContext,
  plugin: string,
  sink: EventSinkShape,
  limits: RecordingLimits
): SessionRecorder => {
  const stream = StreamName.attacker(ctx.remote.ip)
  const started = Date.now()
  const openedId = newEventId()
  let bytesIn = 0
  let bytesOut = 0
  let kept = 0
  let closed = false
  let verified = false

  const emit = (event: DomainEvent, eventId: string = newEventId()) =>
    sink.record(stream, envelope(event, { eventId, at: new Date(), correlationId: ctx.sessionId, causationId: eventId === openedId ? null : openedId }))

  // The events are built from values the listener already checked (canonical IPs, ports
  // from the spec); skipping the constructor's Schema validation keeps it off the hot path.
  const trusted = true
  const base = { sessionId: ctx.sessionId, sensor: ctx.sensor, service: ctx.service }
  emit(
    new ContactOpened({
      ...base,
      plugin,
      transport: ctx.transport,
      sourceIp: ctx.remote.ip,
      sourcePort: ctx.remote.port,
      localIp: ctx.local.ip,
      localPort: ctx.local.port,
      publicPort: ctx.local.publicPort
    }, trusted),
    openedId
  )

  const payload = (bytes: Uint8Array, facts: Facts | undefined) => {
    const cap = Math.max(0, Math.min(limits.payloadCap, limits.sessionCap - kept))
    const summary = summarize(bytes, cap)
    kept += Math.min(bytes.length, cap)
    return { ...base, ...summary, facts: facts ?? {} }
  }

  return {
    received: (bytes, facts) => {
      if (closed) return
      bytesIn += bytes.length
      emit(new PayloadReceived(payload(bytes, facts), trusted))
    },
    sent: (bytes, facts) => {
      if (closed) return
      bytesOut += bytes.length
      emit(new PayloadSent(payload(bytes, facts), trusted))
    },
    credentials: (c: Credential) => {
      if (closed) return
      emit(new CredentialsTried({ ...base, username: c.username, password: c.password, method: c.method, detail: c.detail ?? {} }, trusted))
    },
    verified: (proof) => {
      if (closed || verified) return
      verified = true
      emit(new ContactVerified({ ...base, transport: ctx.transport, proof }, trusted))
    },
    closed: (reason) => {
      if (closed) return
      closed = true
      emit(new ContactClosed({ ...base, durationMs: Date.now() - started, bytesIn, bytesOut, reason }, trusted))
    },
    bytesIn: () => bytesIn,
    bytesOut: () => bytesOut
  }
}
