/**
 * Request-side rules the SIP server applies (RFC 3261): what makes a request unservable,
 * how a retransmission or a CANCEL finds its transaction, what a 200 to REGISTER lists,
 * and the Contact of the early dialog an INVITE gets.
 */
import { param, parseNameAddr, parseUri, parseVia, splitList } from "./headers.js"
import { header, headers } from "./message.js"
import type { Header, SipRequest } from "./message.js"

/** Asterisk's default_expiration (granted when none is asked) and maximum_expiration */
const defaultExpires = 3600
const maxExpires = 7200

const required = ["via", "from", "to", "call-id", "cseq"] as const

/** why a request cannot be served (→ 400), or null */
export const invalid = (m: SipRequest): string | null => {
  for (const name of required) if (header(m, name) === undefined) return `missing ${name}`
  const cseq = /^(\d{1,10})\s+(\S+)$/.exec(header(m, "cseq") ?? "")
  if (cseq === null || cseq[2] !== m.method) return "bad CSeq"
  return null
}

/** RFC 3261 §17.2.3 matching, reduced: top Via branch + Call-ID + CSeq number, per method */
export const txKey = (m: SipRequest, method: string): string => {
  const top = parseVia(splitList(headers(m, "via")[0] ?? "")[0] ?? "")
  const branch = top === null ? "" : (param(top.params, "branch") ?? "")
  const cseq = (header(m, "cseq") ?? "").trim().split(/\s+/)[0] ?? ""
  return `${branch}|${header(m, "call-id") ?? ""}|${cseq}|${method}`
}

/** 200 to REGISTER (§10.3 step 8): the bindings with their expiry, and the Date */
export const registered = (m: SipRequest): Array<Header> => {
  const requested = Number(header(m, "expires") ?? defaultExpires)
  const contacts = headers(m, "contact").flatMap(splitList).map(parseNameAddr)
  const out: Array<Header> = []
  for (const c of contacts) {
    if (c === null || c.uri === "*") continue
    const own = Number(param(c.params, "expires") ?? requested)
    const expires = Math.min(maxExpires, Number.isFinite(own) ? Math.max(0, Math.floor(own)) : defaultExpires)
    if (expires > 0) out.push({ name: "Contact", value: `<${c.uri}>;expires=${expires}` })
  }
  return [...out, { name: "Date", value: new Date().toUTCString() }]
}

/** the Contact of our early dialog (§12.1.1): the dialled user at the address they dialled */
export const ourContact = (m: SipRequest): string => {
  const uri = parseUri(m.uri)
  if (uri === null || uri.host === "") return `<${m.uri}>`
  const hostport = `${uri.host}${uri.port === null ? "" : `:${uri.port}`}`
  return uri.user === null ? `<sip:${hostport}>` : `<sip:${uri.user}@${hostport}>`
}
