/**
 * Building a response to a request (RFC 3261 §8.2.6): the Via headers (all of them,
 * the topmost stamped with `received`/`rport`, RFC 3581), From, To (with our tag on
 * anything but 100, §8.2.6.2), Call-ID and CSeq are copied; then the extra headers,
 * Server and Content-Length. Long header names, as Asterisk writes them.
 */
import { formatVia, parseVia, splitList, stampVia, withHeaderParam } from "./headers.js"
import { header, headers } from "./message.js"
import type { Header, SipRequest, SipResponse } from "./message.js"

export const reasons: Readonly<Record<number, string>> = {
  100: "Trying",
  180: "Ringing",
  183: "Session Progress",
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  407: "Proxy Authentication Required",
  481: "Call/Transaction Does Not Exist",
  487: "Request Terminated",
  501: "Not Implemented",
  505: "Version Not Supported"
}

export interface Source {
  readonly ip: string
  readonly port: number
}

export interface ResponseSpec {
  readonly status: number
  /** our To tag; ignored for 100 Trying and when the request's To already has one */
  readonly toTag: string
  readonly server: string
  readonly extra?: ReadonlyArray<Header>
  readonly body?: { readonly type: string; readonly bytes: Uint8Array }
}

/** every Via value of the request, the topmost via-parm stamped for the source */
export const responseVias = (request: SipRequest, source: Source): Array<string> =>
  headers(request, "via").map((value, i) => {
    if (i > 0) return value
    const [top, ...others] = splitList(value)
    const via = top === undefined ? null : parseVia(top)
    return via === null ? value : [formatVia(stampVia(via, source)), ...others].join(", ")
  })

export const respond = (request: SipRequest, source: Source, spec: ResponseSpec): SipResponse => {
  const copied: Array<Header> = responseVias(request, source).map((value) => ({ name: "Via", value }))
  const from = header(request, "from")
  const to = header(request, "to")
  const callId = header(request, "call-id")
  const cseq = header(request, "cseq")
  if (from !== undefined) copied.push({ name: "From", value: from })
  if (to !== undefined) copied.push({ name: "To", value: spec.status === 100 ? to : withHeaderParam(to, "tag", spec.toTag) })
  if (callId !== undefined) copied.push({ name: "Call-ID", value: callId })
  if (cseq !== undefined) copied.push({ name: "CSeq", value: cseq })
  const body = spec.body?.bytes ?? new Uint8Array(0)
  return {
    kind: "response",
    version: "SIP/2.0",
    status: spec.status,
    reason: reasons[spec.status] ?? "Unknown",
    headers: [
      ...copied,
      ...(spec.extra ?? []),
      { name: "Server", value: spec.server },
      ...(spec.body === undefined ? [] : [{ name: "Content-Type", value: spec.body.type }]),
      { name: "Content-Length", value: String(body.length) }
    ],
    body
  }
}
