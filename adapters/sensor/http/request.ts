/**
 * HTTP/1.x request framing (RFC 9112): a resumable framer that turns a byte stream
 * into requests — head, then a Content-Length or chunked body.
 *
 * The framer works on a latin1 string, which maps bytes 1:1, so indexes are byte
 * offsets and a body survives the round trip unchanged. It never holds more than
 * the unparsed tail of the last chunk plus one line limit: bodies are consumed as
 * they arrive and only `keepBody` bytes are kept. Limits answer like Apache would:
 * 414 for a long request line, 400 for a long header line or a malformed head,
 * 431 for too many or too large header fields, 413 for a body over `maxBody`,
 * 501 for a transfer coding other than chunked. After a rejection the framer is
 * spent: the session answers and closes.
 */
import { header } from "./message.js"
import type { HttpRequest } from "./message.js"

export type RejectStatus = 400 | 413 | 414 | 431 | 501

export type RequestFrame =
  | { readonly _tag: "Request"; readonly request: HttpRequest }
  | { readonly _tag: "Rejected"; readonly status: RejectStatus; readonly reason: string }

export interface RequestLimits {
  readonly maxRequestLine: number
  readonly maxHeaderLine: number
  readonly maxHeaders: number
  /** request line + header fields (and trailers) */
  readonly maxHead: number
  readonly maxBody: number
  readonly keepBody: number
}

/** Apache's LimitRequestLine / LimitRequestFieldSize / LimitRequestFields defaults. */
export const defaultRequestLimits: RequestLimits = {
  maxRequestLine: 8190,
  maxHeaderLine: 8190,
  maxHeaders: 100,
  maxHead: 65536,
  maxBody: 1_048_576,
  keepBody: 65536
}

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const requestLine = /^(\S+) +(\S+) +HTTP\/(\d\.\d)$/
const chunkSize = /^([0-9A-Fa-f]{1,8})[ \t]*(?:;.*)?$/

interface Draft {
  method: string
  target: string
  version: string
  headers: Array<readonly [string, string]>
  headBytes: number
  kept: Array<string>
  keptLength: number
  bodyLength: number
  chunked: boolean
}

type Phase = "start" | "headers" | "body" | "chunk-size" | "chunk-data" | "chunk-end" | "trailers" | "spent"

type Progress = RequestFrame | "more" | "progress"

export class RequestFramer {
  private buf = ""
  private phase: Phase = "start"
  private draft: Draft | null = null
  /** body or chunk bytes still to come */
  private remaining = 0

  constructor(private readonly limits: RequestLimits = defaultRequestLimits) {}

  push(chunk: Uint8Array): Array<RequestFrame> {
    if (this.phase === "spent") return []
    this.buf += Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1")
    const frames: Array<RequestFrame> = []
    for (;;) {
      const p = this.next()
      if (p === "more") break
      if (p === "progress") continue
      frames.push(p)
      if (p._tag === "Rejected") {
        this.phase = "spent"
        this.buf = ""
        this.draft = null
        break
      }
    }
    return frames
  }

  /** bytes held waiting for the rest of a line */
  get pending(): number {
    return this.buf.length
  }

  private next(): Progress {
    switch (this.phase) {
      case "start":
        return this.start()
      case "headers":
        return this.headerField()
      case "body":
      case "chunk-data":
        return this.bodyBytes()
      case "chunk-size":
        return this.chunkSize()
      case "chunk-end": {
        const line = this.line(2)
        if (line === null) return this.buf.length > 2 ? reject(400, "chunk not followed by CRLF") : "more"
        if (line !== "") return reject(400, "chunk not followed by CRLF")
        this.phase = "chunk-size"
        return "progress"
      }
      case "trailers":
        return this.trailer()
      case "spent":
        return "more"
    }
  }

  private line(limit: number): string | null {
    const nl = this.buf.indexOf("\n")
    if (nl < 0 || nl > limit + 1) return null
    const line = this.buf.slice(0, nl > 0 && this.buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl)
    this.buf = this.buf.slice(nl + 1)
    return line
  }

  private start(): Progress {
    const line = this.line(this.limits.maxRequestLine)
    if (line === null) return this.buf.length > this.limits.maxRequestLine ? reject(414, "request line too long") : "more"
    // RFC 9112 §2.2: a server SHOULD ignore empty lines before the request line
    if (line === "") return "progress"
    const m = requestLine.exec(line)
    if (m === null || !token.test(m[1]!)) return reject(400, "malformed request line")
    this.draft = { method: m[1]!, target: m[2]!, version: m[3]!, headers: [], headBytes: line.length, kept: [], keptLength: 0, bodyLength: 0, chunked: false }
    this.phase = "headers"
    return "progress"
  }

  private headerField(): Progress {
    const draft = this.draft!
    const line = this.line(this.limits.maxHeaderLine)
    if (line === null) return this.buf.length > this.limits.maxHeaderLine ? reject(400, "header field too long") : "more"
    if (line === "") return this.endOfHead(draft)
    const field = this.field(draft, line)
    if (field !== null) return field
    if (draft.headers.length > this.limits.maxHeaders) return reject(431, "too many header fields")
    return "progress"
  }

  /** adds one `name: value` line to the draft; a rejection when it is malformed or over the limit */
  private field(draft: Draft, line: string): RequestFrame | null {
    draft.headBytes += line.length + 2
    if (draft.headBytes > this.limits.maxHead) return reject(431, "header section too large")
    // obs-fold (RFC 9112 §5.2) is rejected, as Apache's default strict mode does
    if (line.startsWith(" ") || line.startsWith("\t")) return reject(400, "obsolete line folding")
    const colon = line.indexOf(":")
    const name = line.slice(0, Math.max(0, colon))
    if (colon <= 0 || !token.test(name)) return reject(400, "malformed header field")
    draft.headers.push([name, line.slice(colon + 1).trim()])
    return null
  }

  private endOfHead(draft: Draft): Progress {
    const te = header(draft.headers, "transfer-encoding")
    const lengths = draft.headers.filter(([n]) => n.toLowerCase() === "content-length").map(([, v]) => v)
    if (te !== undefined) {
      // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length; only chunked is understood
      if (te.split(",").at(-1)?.trim().toLowerCase() !== "chunked") return reject(501, `transfer coding ${te} not implemented`)
      draft.chunked = true
      this.phase = "chunk-size"
      return "progress"
    }
    if (lengths.length > 0) {
      const first = lengths[0]!
      if (!/^\d{1,15}$/.test(first) || lengths.some((v) => v !== first)) return reject(400, "invalid Content-Length")
      const length = Number(first)
      if (length > this.limits.maxBody) return reject(413, "body over the limit")
      if (length > 0) {
        this.remaining = length
        this.phase = "body"
        return "progress"
      }
    }
    return this.complete(draft)
  }

  private bodyBytes(): Progress {
    if (this.buf.length === 0) return "more"
    const draft = this.draft!
    const take = Math.min(this.remaining, this.buf.length)
    const room = this.limits.keepBody - draft.keptLength
    if (room > 0) {
      draft.kept.push(this.buf.slice(0, Math.min(take, room)))
      draft.keptLength += Math.min(take, room)
    }
    draft.bodyLength += take
    this.remaining -= take
    this.buf = this.buf.slice(take)
    if (this.remaining > 0) return "more"
    if (this.phase === "chunk-data") {
      this.phase = "chunk-end"
      return "progress"
    }
    return this.complete(draft)
  }

  private chunkSize(): Progress {
    const line = this.line(1024)
    if (line === null) return this.buf.length > 1024 ? reject(400, "chunk size line too long") : "more"
    const m = chunkSize.exec(line)
    if (m === null) return reject(400, "malformed chunk size")
    const size = parseInt(m[1]!, 16)
    if (this.draft!.bodyLength + size > this.limits.maxBody) return reject(413, "body over the limit")
    this.phase = size === 0 ? "trailers" : "chunk-data"
    this.remaining = size
    return "progress"
  }

  private trailer(): Progress {
    const draft = this.draft!
    const line = this.line(this.limits.maxHeaderLine)
    if (line === null) return this.buf.length > this.limits.maxHeaderLine ? reject(400, "trailer field too long") : "more"
    if (line === "") return this.complete(draft)
    // trailer fields are checked like header fields but not merged into the head
    const before = draft.headers.length
    const field = this.field(draft, line)
    if (field !== null) return field
    draft.headers.length = before
    return "progress"
  }

  private complete(draft: Draft): RequestFrame {
    this.draft = null
    this.phase = "start"
    return {
      _tag: "Request",
      request: {
        method: draft.method,
        target: draft.target,
        version: draft.version,
        headers: draft.headers,
        body: Buffer.from(draft.kept.join(""), "latin1"),
        bodyLength: draft.bodyLength,
        chunked: draft.chunked
      }
    }
  }
}

const reject = (status: RejectStatus, reason: string): RequestFrame => ({ _tag: "Rejected", status, reason })
