/**
 * Sensor plugins: each protocol emulator is a framer plus a session state machine.
 *
 * The listener owns sockets, limits and event recording; a plugin only maps input
 * bytes to `Step`s (bytes to send, parsed facts, credentials tried, proofs that a UDP
 * source is real, when to close). Nothing an attacker sends is ever executed: facts
 * are data, and payloads are recorded capped.
 *
 * Three kinds:
 *  - `stream`:   TCP (optionally under TLS), one session per connection;
 *  - `datagram`: UDP, one session per source ip:port until it goes idle;
 *  - `socket`:   plugins that must own the socket (SSH through the ssh2 server); they
 *                report through a `SocketRecorder` instead of returning steps.
 */
import type { Socket } from "node:net"

export type Facts = Readonly<Record<string, unknown>>

export interface Credential {
  readonly username: string
  readonly password: string | null
  /** password, publickey, sip-digest, auth-login, auth-plain, mysql-native… */
  readonly method: string
  readonly detail?: Facts
}

export type Proof = "sip-nonce-echo" | "tftp-ack" | "dns-tcp-retry"

export interface Step {
  /** replies, in order; strings are sent as UTF-8 */
  readonly send?: ReadonlyArray<Uint8Array | string>
  /** facts parsed from the input that produced this step (recorded with its PayloadReceived) */
  readonly facts?: Facts
  /** facts about what we sent (recorded with PayloadSent) */
  readonly sentFacts?: Facts
  readonly credentials?: ReadonlyArray<Credential>
  readonly verified?: Proof
  /** close after sending, with this reason */
  readonly close?: string
}

export const nothing: Step = {}

export interface SessionContext {
  readonly sessionId: string
  readonly sensor: string
  readonly service: string
  readonly transport: "tcp" | "udp"
  readonly remote: { readonly ip: string; readonly port: number }
  readonly local: { readonly ip: string; readonly port: number; readonly publicPort: number }
  /** the service's `options` from the configuration */
  readonly options: Readonly<Record<string, unknown>>
  /** where plugins keep generated material (TLS certificate, SSH host keys) */
  readonly dataDir: string
  /** cross-session memory of this plugin instance (e.g. SIP nonces handed out per source) */
  readonly shared: Map<string, unknown>
}

export interface StreamSession {
  /** on connect: a banner, or nothing for client-speaks-first protocols */
  readonly open: () => Step
  readonly data: (chunk: Uint8Array) => Step
}

export interface DatagramSession {
  readonly datagram: (packet: Uint8Array) => Step
}

/** What a `socket` plugin reports; each call becomes an event in the attacker's stream. */
export interface SocketRecorder {
  readonly received: (bytes: Uint8Array, facts?: Facts) => void
  readonly sent: (bytes: Uint8Array, facts?: Facts) => void
  readonly credentials: (credential: Credential) => void
}

export interface StreamPlugin {
  readonly kind: "stream"
  readonly name: string
  readonly session: (ctx: SessionContext) => StreamSession
}

export interface DatagramPlugin {
  readonly kind: "datagram"
  readonly name: string
  readonly session: (ctx: SessionContext) => DatagramSession
}

export interface SocketPlugin {
  readonly kind: "socket"
  readonly name: string
  /** prepares shared material once per listener (host keys…) */
  readonly prepare?: (options: Readonly<Record<string, unknown>>, dataDir: string) => Promise<void>
  /** takes over the socket; resolves when the session ends, with the close reason */
  readonly attach: (socket: Socket, ctx: SessionContext, recorder: SocketRecorder) => Promise<string>
}

export type Plugin = StreamPlugin | DatagramPlugin | SocketPlugin

/** A family of plugins under one configured name: `echo` has a TCP and a UDP form. */
export interface PluginEntry {
  readonly tcp?: StreamPlugin | SocketPlugin
  readonly udp?: DatagramPlugin
  /** TCP under TLS with a self-signed certificate generated into dataDir (https) */
  readonly tls?: boolean
  readonly description: string
}

export const optionString = (ctx: SessionContext, key: string, fallback: string): string => {
  const v = ctx.options[key]
  return typeof v === "string" ? v : fallback
}

export const optionNumber = (ctx: SessionContext, key: string, fallback: number): number => {
  const v = ctx.options[key]
  return typeof v === "number" && Number.isFinite(v) ? v : fallback
}
