/**
 * One DNS query in, at most one compact response out: a pure function over bytes,
 * decoded and encoded with `dns-packet`.
 *
 *  - A / AAAA: one record, stable per name, in documentation space (addresses.ts);
 *  - ANY: a single HINFO "RFC8482" (RFC 8482 §4.2), never the full set;
 *  - TXT, DNSKEY, RRSIG… (the amplification favourites) and every other type: NODATA;
 *  - AXFR/IXFR, classes other than IN (bar version.bind): REFUSED;
 *  - special-use names (RFC 6761/7686) and reverse zones: NXDOMAIN; "localhost": loopback;
 *  - undecodable queries: FORMERR; other opcodes: NOTIMP; EDNS version > 0: BADVERS;
 *  - a response bigger than the limit (UDP: the reply budget and the client's payload
 *    size) goes out as TC=1 with no records, which sends an honest client to TCP.
 */
import { decode, encode } from "dns-packet"
import type { Answer, DecodedPacket, OptAnswer, Packet, Question } from "dns-packet"
import type { Facts } from "../../Plugin.js"
import { ipv4For, ipv6For } from "./addresses.js"

export interface AnswerOptions {
  /** bytes the response may take over UDP (the reply budget for this query); null over TCP */
  readonly udpBudget: number | null
  readonly salt: string
  readonly ttl: number
  /** answered to `version.bind` CH TXT; null → REFUSED */
  readonly version: string | null
  /** extra name suffixes that do not exist */
  readonly nxdomain: ReadonlyArray<string>
}

export interface DnsExchange {
  readonly reply: Buffer | null
  readonly facts: Facts
  readonly sentFacts: Facts
  /** the question asked, when there was exactly one */
  readonly question: { readonly qname: string; readonly qtype: string } | null
  readonly truncated: boolean
}

export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const
const rcodeNames = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"]
const QR = 0x8000
const TC = 0x0200
const RD = 0x0100
const RA = 0x0080
const CD = 0x0010
/** what we advertise in our own OPT record (the DNS flag day 2020 default) */
const ourUdpPayloadSize = 1232
const specialUse = ["invalid", "onion", "local", "test", "in-addr.arpa", "ip6.arpa"]

const headerOnly = (id: number, flags: number): Buffer => {
  const b = Buffer.alloc(12)
  b.writeUInt16BE(id, 0)
  b.writeUInt16BE(flags, 2)
  return b
}

/**
 * Name compression (RFC 1035 §4.1.4), which dns-packet does not do: every record we
 * answer is owned by the question's name, so each owner becomes a pointer to offset
 * 12. It saves a name's length per record — what lets most answers fit the budget.
 */
const pointToQuestion = (reply: Buffer, records: number): Buffer => {
  let end = 12
  while (end < reply.length && reply[end] !== 0) end += reply[end]! + 1
  const nameLength = end + 1 - 12
  if (nameLength <= 2) return reply // the root name is already shorter than a pointer
  const parts: Array<Buffer> = [reply.subarray(0, end + 1 + 4)]
  let at = end + 1 + 4
  for (let i = 0; i < records && at + nameLength + 10 <= reply.length; i++) {
    const rdataLength = reply.readUInt16BE(at + nameLength + 8)
    parts.push(Buffer.from([0xc0, 0x0c]), reply.subarray(at + nameLength, at + nameLength + 10 + rdataLength))
    at += nameLength + 10 + rdataLength
  }
  parts.push(reply.subarray(at))
  return Buffer.concat(parts)
}

const under = (name: string, suffix: string) => name === suffix || name.endsWith(`.${suffix}`)

const ednsFacts = (opt: OptAnswer | undefined) =>
  opt === undefined
    ? null
    : { udpPayloadSize: opt.udpPayloadSize, version: opt.ednsVersion, do: opt.flag_do, options: (opt.options ?? []).map((o) => o.code) }

/** the records (and rcode) for one well-formed IN/CH question */
const resolve = (q: Question, qname: string, options: AnswerOptions): { rcode: number; answers: Array<Answer> } => {
  const base = { name: q.name, ttl: options.ttl }
  if (q.class === "CH") {
    const asksVersion = (qname === "version.bind" || qname === "version.server") && q.type === "TXT"
    return asksVersion && options.version !== null
      ? { rcode: Rcode.NOERROR, answers: [{ ...base, ttl: 0, class: "CH", type: "TXT", data: options.version }] }
      : { rcode: Rcode.REFUSED, answers: [] }
  }
  if (q.class !== "IN") return { rcode: Rcode.REFUSED, answers: [] }
  if (q.type === "AXFR" || q.type === "IXFR") return { rcode: Rcode.REFUSED, answers: [] }
  if ([...specialUse, ...options.nxdomain].some((s) => under(qname, s.toLowerCase()))) return { rcode: Rcode.NXDOMAIN, answers: [] }
  const loopback = under(qname, "localhost")
  switch (q.type) {
    case "A":
      return { rcode: Rcode.NOERROR, answers: [{ ...base, type: "A", data: loopback ? "127.0.0.1" : ipv4For(qname, options.salt) }] }
    case "AAAA":
      return { rcode: Rcode.NOERROR, answers: [{ ...base, type: "AAAA", data: loopback ? "::1" : ipv6For(qname, options.salt) }] }
    default:
      // ANY arrives as an unnamed type in dns-packet's typing; RFC 8482 §4.2
      return String(q.type) === "ANY"
        ? { rcode: Rcode.NOERROR, answers: [{ ...base, ttl: 3600, type: "HINFO", data: { cpu: "RFC8482", os: "" } }] }
        : { rcode: Rcode.NOERROR, answers: [] }
  }
}

export const answer = (query: Uint8Array, options: AnswerOptions): DnsExchange => {
  const bytes = Buffer.from(query.buffer, query.byteOffset, query.byteLength)
  const none = (facts: Facts): DnsExchange => ({ reply: null, facts, sentFacts: {}, question: null, truncated: false })
  if (bytes.length < 12) return none({ malformed: "shorter than a DNS header", length: bytes.length })
  const id = bytes.readUInt16BE(0)
  const flags = bytes.readUInt16BE(2)
  const opcode = (flags >> 11) & 0xf
  const headerFacts = { id, opcode, flags: { rd: (flags & RD) !== 0, cd: (flags & CD) !== 0, ad: (flags & 0x20) !== 0, tc: (flags & TC) !== 0 } }
  // never answer a response: two reflectors must not be able to ping-pong through us
  if ((flags & QR) !== 0) return none({ ...headerFacts, malformed: "a response, not a query" })
  const replyFlags = QR | (opcode << 11) | (flags & (RD | CD))
  const refuse = (rcode: number, facts: Facts): DnsExchange => ({
    reply: headerOnly(id, replyFlags | rcode),
    facts,
    sentFacts: { rcode: rcodeNames[rcode], answers: 0, truncated: false },
    question: null,
    truncated: false
  })
  let packet: DecodedPacket
  try {
    packet = decode(bytes)
  } catch (e) {
    return refuse(Rcode.FORMERR, { ...headerFacts, malformed: e instanceof Error ? e.message : String(e) })
  }
  if (opcode !== 0) return refuse(Rcode.NOTIMP, headerFacts)
  const questions = packet.questions ?? []
  const opts = (packet.additionals ?? []).filter((a): a is OptAnswer => a.type === "OPT")
  const q = questions[0]
  if (q === undefined || questions.length !== 1 || opts.length > 1) {
    return refuse(Rcode.FORMERR, { ...headerFacts, questions: questions.length, malformed: "expected one question and at most one OPT" })
  }
  const opt = opts[0]
  const qname = q.name.toLowerCase()
  const question = { qname, qtype: String(q.type) }
  const facts: Facts = { ...headerFacts, qname, qtype: question.qtype, qclass: String(q.class ?? "IN"), edns: ednsFacts(opt) }

  const badVersion = opt !== undefined && opt.ednsVersion > 0
  const { rcode, answers } = badVersion ? { rcode: 0, answers: [] } : resolve(q, qname, options)
  const additionals: Array<Answer> =
    opt === undefined
      ? []
      : // BADVERS is extended rcode 16: 1 in the OPT's upper bits, 0 in the header (RFC 6891 §6.1.3)
        [{ type: "OPT", name: ".", udpPayloadSize: ourUdpPayloadSize, extendedRcode: badVersion ? 1 : 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }]
  const response = (extra: number, records: Array<Answer>): Packet => ({
    type: "response",
    id,
    flags: (replyFlags | extra | (flags & RD ? RA : 0) | rcode) & 0x7fff,
    questions: [q],
    answers: records,
    additionals
  })
  let reply = pointToQuestion(encode(response(0, answers)), answers.length)
  let truncated = false
  const clientLimit = opt === undefined ? 512 : Math.max(512, opt.udpPayloadSize)
  const limit = options.udpBudget === null ? null : Math.min(options.udpBudget, clientLimit)
  if (limit !== null && reply.length > limit) {
    reply = encode(response(TC, []))
    truncated = true
  }
  return {
    reply,
    facts,
    sentFacts: { rcode: badVersion ? "BADVERS" : rcodeNames[rcode], answers: truncated ? 0 : answers.length, truncated },
    question,
    truncated
  }
}
