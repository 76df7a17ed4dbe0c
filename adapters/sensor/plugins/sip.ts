/**
 * The `sip` plugin (UDP and TCP): an Asterisk-looking registrar and call server that
 * lets everyone register (after a digest challenge) and lets calls ring but never
 * connect — so toll-fraud tools keep sending INVITEs, and we record where they call.
 *
 *   REGISTER           → 401 challenge; with Authorization → 200 OK (credentials recorded)
 *   INVITE             → 100 + 407 challenge; with Proxy-Authorization → 100, 180, 183, no 200
 *   CANCEL             → 200, and 487 to the pending INVITE (RFC 3261 §9.2)
 *   BYE → 200 · ACK → nothing · OPTIONS → 200 with Allow/Supported/Accept
 *   other methods we Allow → challenge like REGISTER · unknown → 501
 *   malformed          → 400 when it has a request line and a Via, else silence
 *
 * Retransmitted requests (same branch, Call-ID and CSeq) get the last response again
 * (§17.2.1, §17.2.2). Options: `realm` ("asterisk"), `userAgent` (the Server header),
 * `acceptAfter` (authorized attempts before one is accepted, 1).
 */
import { randomUUID } from "node:crypto"
import { optionNumber, optionString } from "../Plugin.js"
import type { DatagramPlugin, PluginEntry, SessionContext, Step, StreamPlugin } from "../Plugin.js"
import { authorize, challenge } from "../sip/auth.js"
import type { AuthOutcome, AuthPolicy } from "../sip/auth.js"
import { otherFacts, requestFacts } from "../sip/facts.js"
import { SipStreamFramer } from "../sip/framer.js"
import { decode, encode, headers } from "../sip/message.js"
import type { Header, SipRequest, SipResponse } from "../sip/message.js"
import { nonceBookIn } from "../sip/nonces.js"
import type { NonceBook } from "../sip/nonces.js"
import { invalid, ourContact, registered, txKey } from "../sip/requests.js"
import { respond } from "../sip/responses.js"

export const defaultServer = "Asterisk PBX 20.5.2"
/** what Asterisk 20's PJSIP stack advertises */
const allow = "OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, INVITE, ACK, BYE, CANCEL, UPDATE, PRACK, MESSAGE, REFER"
const supported = "100rel, timer, replaces, norefersub"
/** methods in Allow that we treat like REGISTER: challenge, then 200 */
const challenged = new Set(["REGISTER", "SUBSCRIBE", "NOTIFY", "PUBLISH", "UPDATE", "PRACK", "MESSAGE", "REFER"])
/** per session: transactions remembered for retransmissions, INVITEs waiting for CANCEL */
const maxTransactions = 8

const remember = <V>(map: Map<string, V>, key: string, value: V) => {
  map.delete(key)
  map.set(key, value)
  if (map.size > maxTransactions) {
    const oldest = map.keys().next().value
    if (oldest !== undefined) map.delete(oldest)
  }
}

interface Handled {
  readonly responses: ReadonlyArray<SipResponse>
  readonly auth?: AuthOutcome
}

class SipSession {
  private readonly lastSent = new Map<string, Buffer>()
  private readonly pending = new Map<string, { readonly request: SipRequest; readonly tag: string }>()
  private readonly book: NonceBook
  private readonly policy: AuthPolicy
  private readonly server: string

  constructor(private readonly ctx: SessionContext) {
    this.book = nonceBookIn(ctx.shared)
    this.policy = { realm: optionString(ctx, "realm", "asterisk"), acceptAfter: Math.max(1, optionNumber(ctx, "acceptAfter", 1)) }
    this.server = optionString(ctx, "userAgent", defaultServer)
  }

  message(bytes: Uint8Array, datagram: boolean): Step {
    const decoded = decode(bytes, { datagram })
    if (!decoded.ok) {
      const facts = otherFacts(decoded.partial, decoded.reason)
      const partial = decoded.partial
      // without a Via there is no telling where a response would go: stay silent
      if (partial === null || headers(partial, "via").length === 0) return { facts }
      return this.step(facts, null, { responses: [this.respond(partial, 400)] })
    }
    const m = decoded.message
    if (m.kind === "response") return { facts: otherFacts(m, null) }
    const facts = requestFacts(m)
    const key = txKey(m, m.method)
    const again = this.lastSent.get(key)
    if (again !== undefined) return { facts: { ...facts, retransmission: true }, send: [again], sentFacts: { retransmitted: true } }
    if (m.version !== "SIP/2.0") return this.step({ ...facts, malformed: `version ${m.version}` }, key, { responses: [this.respond(m, 505)] })
    const problem = invalid(m)
    if (problem !== null) {
      const answerable = headers(m, "via").length > 0
      return this.step({ ...facts, malformed: problem }, answerable ? key : null, { responses: answerable ? [this.respond(m, 400)] : [] })
    }
    return this.step(facts, key, this.handle(m))
  }

  private handle(m: SipRequest): Handled {
    switch (m.method) {
      case "INVITE":
        return this.invite(m)
      case "ACK":
        return { responses: [] }
      case "CANCEL":
        return this.cancel(m)
      case "BYE":
        return { responses: [this.respond(m, 200)] }
      case "OPTIONS":
        return {
          responses: [
            this.respond(m, 200, [
              { name: "Allow", value: allow },
              { name: "Supported", value: supported },
              { name: "Accept", value: "application/sdp" }
            ])
          ]
        }
    }
    if (!challenged.has(m.method)) return { responses: [this.respond(m, 501)] }
    const auth = authorize(m, this.ctx.remote.ip, this.book, this.policy)
    if (!auth.accepted) return { auth, responses: [this.respond(m, 401, [challenge(401, this.ctx.remote.ip, this.book, this.policy, auth)])] }
    return { auth, responses: [this.respond(m, 200, m.method === "REGISTER" ? registered(m) : [])] }
  }

  private invite(m: SipRequest): Handled {
    const auth = authorize(m, this.ctx.remote.ip, this.book, this.policy)
    const tag = randomUUID()
    const trying = this.respond(m, 100)
    if (!auth.accepted) return { auth, responses: [trying, this.respond(m, 407, [challenge(407, this.ctx.remote.ip, this.book, this.policy, auth)], tag)] }
    // the call rings and makes progress, but never connects (no 200): only a CANCEL ends it
    remember(this.pending, txKey(m, "INVITE"), { request: m, tag })
    const contact = [{ name: "Contact", value: ourContact(m) }]
    return { auth, responses: [trying, this.respond(m, 180, contact, tag), this.respond(m, 183, contact, tag)] }
  }

  private cancel(m: SipRequest): Handled {
    const inviteKey = txKey(m, "INVITE")
    const invite = this.pending.get(inviteKey)
    if (invite === undefined) return { responses: [this.respond(m, 200)] }
    this.pending.delete(inviteKey)
    const terminated = this.respond(invite.request, 487, [], invite.tag)
    remember(this.lastSent, inviteKey, encode(terminated))
    return { responses: [this.respond(m, 200, [], invite.tag), terminated] }
  }

  private respond(m: SipRequest, status: number, extra: ReadonlyArray<Header> = [], toTag: string = randomUUID()): SipResponse {
    return respond(m, this.ctx.remote, { status, toTag, server: this.server, extra })
  }

  private step(facts: Record<string, unknown>, key: string | null, handled: Handled): Step {
    const send = handled.responses.map(encode)
    const last = send[send.length - 1]
    if (key !== null && last !== undefined) remember(this.lastSent, key, last)
    const credential = handled.auth?.credential ?? null
    return {
      facts,
      send,
      sentFacts: { responses: handled.responses.map((r) => r.status) },
      ...(credential === null ? {} : { credentials: [credential] }),
      ...(handled.auth?.echoed === true ? { verified: "sip-nonce-echo" as const } : {})
    }
  }
}

/** facts of at most this many messages are kept per TCP chunk (the rest are counted) */
const maxFactsPerChunk = 16
const listed = (all: ReadonlyArray<Record<string, unknown>>) =>
  all.length > maxFactsPerChunk ? { messages: all.slice(0, maxFactsPerChunk), more: all.length - maxFactsPerChunk } : { messages: all }

/** several messages in one TCP chunk become one step */
const merge = (steps: ReadonlyArray<Step>): Step => {
  const facts = steps.flatMap((s) => (s.facts === undefined ? [] : [s.facts]))
  const send = steps.flatMap((s) => s.send ?? [])
  const credentials = steps.flatMap((s) => s.credentials ?? [])
  const verified = steps.find((s) => s.verified !== undefined)?.verified
  const close = steps.find((s) => s.close !== undefined)?.close
  const sentFacts = steps.flatMap((s) => (s.sentFacts === undefined ? [] : [s.sentFacts]))
  return {
    send,
    ...(facts.length === 1 ? { facts: facts[0]! } : facts.length > 1 ? { facts: listed(facts) } : {}),
    ...(sentFacts.length === 1 ? { sentFacts: sentFacts[0]! } : sentFacts.length > 1 ? { sentFacts: listed(sentFacts) } : {}),
    ...(credentials.length > 0 ? { credentials } : {}),
    ...(verified === undefined ? {} : { verified }),
    ...(close === undefined ? {} : { close })
  }
}

const sipUdp: DatagramPlugin = {
  kind: "datagram",
  name: "sip",
  session: (ctx) => {
    const session = new SipSession(ctx)
    return { datagram: (packet) => session.message(packet, true) }
  }
}

const sipTcp: StreamPlugin = {
  kind: "stream",
  name: "sip",
  session: (ctx) => {
    const session = new SipSession(ctx)
    const framer = new SipStreamFramer({
      maxHeaderBytes: optionNumber(ctx, "maxHeaderBytes", 16 * 1024),
      maxBodyBytes: optionNumber(ctx, "maxBodyBytes", 64 * 1024)
    })
    return {
      open: () => ({}),
      data: (chunk) =>
        merge(
          framer.push(chunk).map((frame): Step => {
            switch (frame.kind) {
              case "ping":
                return { send: ["\r\n"], facts: { keepAlive: "ping" } } // RFC 5626 §3.5.1 pong
              case "oversize":
                return { facts: { malformed: `oversize ${frame.what} (${frame.bytes} bytes)` }, close: "oversize" }
              case "message":
                return session.message(frame.bytes, false)
            }
          })
        )
    }
  }
}

export const sip: PluginEntry = {
  udp: sipUdp,
  tcp: sipTcp,
  description: "SIP registrar and call server (Asterisk-like): digest challenges, credentials and dialled numbers recorded, calls never connect"
}
