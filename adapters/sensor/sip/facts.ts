/**
 * What a SIP request tells us about the attacker, as event facts: method, request URI,
 * the dialled number (toll fraud destinations, the seed's ch. 5.2), the addresses and
 * tool names in From/To/Contact/User-Agent, dialog ids, and the SDP connection address
 * (where the attacker expects media, often its real address behind a spoofed Via).
 */
import { addrUser, parseUri, parseVia, splitList } from "./headers.js"
import { header, headers } from "./message.js"
import type { SipMessage, SipRequest } from "./message.js"

/** header text in facts is capped: payloads are recorded capped anyway */
const factCap = 512
const cap = (s: string): string => (s.length > factCap ? s.slice(0, factCap) : s)

const defined = (entries: ReadonlyArray<readonly [string, string | number | boolean | null | undefined]>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of entries) if (v !== undefined && v !== null && v !== "") out[k] = typeof v === "string" ? cap(v) : v
  return out
}

export interface SdpFacts {
  readonly connection?: string
  readonly media?: string
}

/** first `c=` address and first `m=` line of an SDP body (RFC 8866 §5.7, §5.14) */
export const sdpFacts = (body: Uint8Array): SdpFacts => {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("latin1")
  let connection: string | undefined
  let media: string | undefined
  for (const line of text.split(/\r?\n/)) {
    if (connection === undefined && line.startsWith("c=")) connection = line.slice(2).trim().split(/\s+/)[2]
    if (media === undefined && line.startsWith("m=")) media = line.slice(2).trim()
  }
  return { ...(connection === undefined ? {} : { connection }), ...(media === undefined ? {} : { media }) }
}

/** the number an INVITE tries to reach: the R-URI's user part, else the To URI's */
export const dialled = (request: SipRequest): string | null => parseUri(request.uri)?.user ?? addrUser(header(request, "to"))

export const requestFacts = (request: SipRequest): Record<string, unknown> => {
  const topVia = splitList(headers(request, "via")[0] ?? "")[0]
  const via = topVia === undefined ? null : parseVia(topVia)
  const sdp = request.body.length > 0 ? sdpFacts(request.body) : {}
  return defined([
    ["method", request.method],
    ["requestUri", request.uri],
    ["dialled", request.method === "INVITE" ? dialled(request) : null],
    ["from", header(request, "from")],
    ["fromUser", addrUser(header(request, "from"))],
    ["to", header(request, "to")],
    ["toUser", addrUser(header(request, "to"))],
    ["contact", header(request, "contact")],
    ["userAgent", header(request, "user-agent")],
    ["callId", header(request, "call-id")],
    ["cseq", header(request, "cseq")],
    ["via", topVia],
    ["viaTransport", via?.protocol.split("/")[2]],
    ["viaSentBy", via === null ? null : `${via.host}${via.port === null ? "" : `:${via.port}`}`],
    ["contentType", header(request, "content-type")],
    ["sdpConnection", sdp.connection],
    ["sdpMedia", sdp.media]
  ])
}

/** facts for anything that is not a well-formed request */
export const otherFacts = (message: SipMessage | null, malformed: string | null): Record<string, unknown> =>
  message?.kind === "response"
    ? defined([["response", message.status], ["reason", message.reason], ["callId", header(message, "call-id")], ["cseq", header(message, "cseq")]])
    : { ...(message === null ? {} : requestFacts(message)), ...(malformed === null ? {} : { malformed: cap(malformed) }) }
