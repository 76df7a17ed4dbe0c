/**
 * SIP message codec (RFC 3261 §7): `decode` one message from bytes, `encode` it back,
 * `encodingLength`. Pure: no sockets, no clocks.
 *
 * Header order, names and values are kept as sent (compact names too), so
 * `encode(decode(bytes))` reproduces canonical input byte for byte; lookups go through
 * `headers`/`header`, which expand compact names. Folded lines (§7.3.1) are joined.
 *
 * Decoding never throws. A failure says how far parsing got: with a request line and
 * headers (`partial`) the server can still answer 400 (§8.2.2 style), without one it stays
 * silent.
 */
import { canonicalName } from "./headers.js"

export interface Header {
  readonly name: string
  readonly value: string
}

interface Common {
  readonly version: string
  readonly headers: ReadonlyArray<Header>
  readonly body: Uint8Array
}

export interface SipRequest extends Common {
  readonly kind: "request"
  readonly method: string
  readonly uri: string
}

export interface SipResponse extends Common {
  readonly kind: "response"
  readonly status: number
  readonly reason: string
}

export type SipMessage = SipRequest | SipResponse

export type Decoded =
  | { readonly ok: true; readonly message: SipMessage }
  | { readonly ok: false; readonly reason: string; readonly partial: SipRequest | null }

export interface DecodeOptions {
  /**
   * UDP (RFC 3261 §18.3): a missing Content-Length means "the rest of the datagram"
   * and a body shorter than announced is an error. Stream framers cut exactly, so both
   * cases are the same there.
   */
  readonly datagram: boolean
}

const token = /^[A-Za-z0-9.!%*_+`'~-]+$/
const crlf = Buffer.from("\r\n\r\n")
const lflf = Buffer.from("\n\n")

/** index of the empty line ending the headers, and the length of its terminator */
export const headerEnd = (bytes: Uint8Array): { readonly at: number; readonly length: number } | null => {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const a = buf.indexOf(crlf)
  const b = buf.indexOf(lflf)
  if (a < 0 && b < 0) return null
  if (b < 0 || (a >= 0 && a <= b)) return { at: a, length: 4 }
  return { at: b, length: 2 }
}

export const header = (message: { readonly headers: ReadonlyArray<Header> }, name: string): string | undefined => {
  const wanted = canonicalName(name)
  return message.headers.find((h) => canonicalName(h.name) === wanted)?.value
}

export const headers = (message: { readonly headers: ReadonlyArray<Header> }, name: string): Array<string> => {
  const wanted = canonicalName(name)
  return message.headers.filter((h) => canonicalName(h.name) === wanted).map((h) => h.value)
}

const parseStartLine = (line: string): Omit<SipRequest, "headers" | "body"> | Omit<SipResponse, "headers" | "body"> | null => {
  const status = /^(SIP\/\d+\.\d+) (\d{3}) ?(.*)$/i.exec(line)
  if (status !== null) return { kind: "response", version: status[1]!.toUpperCase(), status: Number(status[2]), reason: status[3]! }
  const parts = line.split(" ")
  if (parts.length !== 3) return null
  const [method, uri, version] = parts as [string, string, string]
  if (!token.test(method) || uri.length === 0 || !/^SIP\/\d+\.\d+$/i.test(version)) return null
  return { kind: "request", method, uri, version: version.toUpperCase() }
}

/** headers that parse; the first broken line, if any, is reported and skipped */
const parseHeaderLines = (lines: ReadonlyArray<string>): { headers: Array<Header>; error: string | null } => {
  const out: Array<{ name: string; value: string }> = []
  let error: string | null = null
  let previousBroken = false
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      const last = out[out.length - 1]
      if (last !== undefined && !previousBroken) last.value = `${last.value} ${line.trim()}`
      else error ??= "continuation of no header"
      continue
    }
    const colon = line.indexOf(":")
    const name = colon <= 0 ? "" : line.slice(0, colon).trimEnd()
    previousBroken = !token.test(name)
    if (previousBroken) {
      error ??= colon <= 0 ? `header without a colon: ${JSON.stringify(line.slice(0, 40))}` : `bad header name ${JSON.stringify(name.slice(0, 40))}`
      continue
    }
    out.push({ name, value: line.slice(colon + 1).trim() })
  }
  return { headers: out, error }
}

export const decode = (input: Uint8Array, options: DecodeOptions = { datagram: true }): Decoded => {
  // §7.5: CRLFs before the start line are ignored
  let skip = 0
  while (skip < input.length && (input[skip] === 0x0d || input[skip] === 0x0a)) skip++
  const bytes = input.subarray(skip)
  const end = headerEnd(bytes)
  // a datagram without the empty line is headers only (some scanners omit it)
  const headBytes = end === null ? bytes : bytes.subarray(0, end.at)
  const rest = end === null ? new Uint8Array(0) : bytes.subarray(end.at + end.length)
  const text = Buffer.from(headBytes.buffer, headBytes.byteOffset, headBytes.byteLength).toString("utf8")
  const lines = text.split(/\r?\n/)
  const start = parseStartLine((lines[0] ?? "").trim())
  if (start === null) return { ok: false, reason: "not a SIP start line", partial: null }
  const { headers: parsed, error } = parseHeaderLines(lines.slice(1).filter((l, i, all) => !(l === "" && i === all.length - 1)))
  const fail = (reason: string): Decoded => ({
    ok: false,
    reason,
    partial: start.kind === "request" ? { ...start, headers: parsed, body: new Uint8Array(0) } : null
  })
  if (error !== null) return fail(error)
  const lengthText = header({ headers: parsed }, "content-length")
  let body = rest
  if (lengthText !== undefined) {
    if (!/^\d{1,9}$/.test(lengthText)) return fail(`bad Content-Length ${JSON.stringify(lengthText.slice(0, 20))}`)
    const length = Number(lengthText)
    if (length > rest.length && options.datagram) return fail(`body shorter than Content-Length ${length}`)
    // §18.3: bytes past Content-Length in a datagram are discarded
    body = rest.subarray(0, Math.min(length, rest.length))
  }
  return { ok: true, message: { ...start, headers: parsed, body: Uint8Array.from(body) } }
}

const startLine = (m: SipMessage): string => (m.kind === "request" ? `${m.method} ${m.uri} ${m.version}` : `${m.version} ${m.status} ${m.reason}`)

const head = (m: SipMessage): string => `${startLine(m)}\r\n${m.headers.map((h) => `${h.name}: ${h.value}\r\n`).join("")}\r\n`

export const encodingLength = (m: SipMessage): number => Buffer.byteLength(head(m), "utf8") + m.body.length

export const encode = (m: SipMessage): Buffer => Buffer.concat([Buffer.from(head(m), "utf8"), m.body])
