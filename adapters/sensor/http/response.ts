/**
 * HTTP/1.1 responses: `encodeResponse` writes the status line, the given header
 * fields in the given order (Apache's order matters to fingerprinters) and the body;
 * `decodeResponse` reads one back (tests, round trips).
 */
import type { HttpHeaders } from "./message.js"

export interface HttpResponse {
  readonly status: number
  readonly headers: HttpHeaders
  readonly body: string | Uint8Array
}

const reasons: Readonly<Record<number, string>> = {
  200: "OK",
  301: "Moved Permanently",
  302: "Found",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  414: "URI Too Long",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  505: "HTTP Version Not Supported"
}

/** Apache 2.4 still says "Request Entity Too Large" and "Request-URI Too Long" (RFC 2616 wording). */
const apacheReasons: Readonly<Record<number, string>> = { 413: "Request Entity Too Large", 414: "Request-URI Too Long" }

export const reasonPhrase = (status: number): string => apacheReasons[status] ?? reasons[status] ?? "Unknown"

export const bodyBytes = (body: string | Uint8Array): Buffer =>
  typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body.buffer, body.byteOffset, body.byteLength)

/** A HEAD answer carries the same header fields (Content-Length included) and no body (RFC 9110 §9.3.2). */
export const encodeResponse = (response: HttpResponse, options: { readonly head?: boolean } = {}): Buffer => {
  const head = [`HTTP/1.1 ${response.status} ${reasonPhrase(response.status)}`, ...response.headers.map(([n, v]) => `${n}: ${v}`), "", ""].join("\r\n")
  const parts: Array<Buffer> = [Buffer.from(head, "latin1")]
  if (options.head !== true) parts.push(bodyBytes(response.body))
  return Buffer.concat(parts)
}

export interface DecodedResponse {
  readonly status: number
  readonly reason: string
  readonly headers: HttpHeaders
  readonly body: Buffer
  /** bytes after this response (the next pipelined one) */
  readonly rest: Buffer
}

/** Reads one Content-Length-delimited response; null when incomplete or not HTTP. */
export const decodeResponse = (bytes: Buffer): DecodedResponse | null => {
  const end = bytes.indexOf("\r\n\r\n")
  if (end < 0) return null
  const [statusLine = "", ...fields] = bytes.subarray(0, end).toString("latin1").split("\r\n")
  const m = /^HTTP\/\d\.\d (\d{3}) ?(.*)$/.exec(statusLine)
  if (m === null) return null
  const headers = fields.map((f): readonly [string, string] => {
    const colon = f.indexOf(":")
    return [f.slice(0, colon), f.slice(colon + 1).trim()]
  })
  const length = Number(headers.find(([n]) => n.toLowerCase() === "content-length")?.[1] ?? "0")
  const start = end + 4
  if (bytes.length < start + length) return null
  return { status: Number(m[1]), reason: m[2] ?? "", headers, body: bytes.subarray(start, start + length), rest: bytes.subarray(start + length) }
}
