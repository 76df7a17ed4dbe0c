/**
 * SIP over a byte stream (TCP, RFC 3261 §18.3): a message is headers up to the empty
 * line, then exactly Content-Length bytes of body. The framer resumes mid-message
 * across chunks and caps what it buffers, so a peer that never ends its headers (or
 * announces a huge body) costs at most `maxHeaderBytes + maxBodyBytes`.
 *
 * RFC 5626 §3.5.1 keep-alives between messages: a double CRLF "ping" (answered with a
 * single CRLF "pong") and a lone CRLF "pong" are not messages.
 */
import { headerEnd } from "./message.js"

export type Frame =
  | { readonly kind: "message"; readonly bytes: Uint8Array }
  | { readonly kind: "ping" }
  | { readonly kind: "oversize"; readonly what: "headers" | "body"; readonly bytes: number }

export interface FramerLimits {
  readonly maxHeaderBytes: number
  readonly maxBodyBytes: number
}

export const defaultFramerLimits: FramerLimits = { maxHeaderBytes: 16 * 1024, maxBodyBytes: 64 * 1024 }

const contentLength = /^(?:content-length|l)[ \t]*:[ \t]*(\d{1,9})[ \t]*\r?$/im

export class SipStreamFramer {
  private buffer: Buffer = Buffer.alloc(0)
  private failed = false

  constructor(private readonly limits: FramerLimits = defaultFramerLimits) {}

  /** every complete frame the chunk finishes; after an `oversize` frame nothing more is framed */
  push(chunk: Uint8Array): Array<Frame> {
    if (this.failed) return []
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk])
    const frames: Array<Frame> = []
    for (;;) {
      const keepAlive = this.keepAlives(frames)
      if (keepAlive === "wait") break
      const end = headerEnd(this.buffer)
      if (end === null || end.at > this.limits.maxHeaderBytes) {
        if (end === null && this.buffer.length <= this.limits.maxHeaderBytes) break
        return this.fail(frames, { kind: "oversize", what: "headers", bytes: end?.at ?? this.buffer.length })
      }
      // §18.3: Content-Length is mandatory on streams; without it the body is empty
      const m = contentLength.exec(this.buffer.subarray(0, end.at).toString("latin1"))
      const length = m === null ? 0 : Number(m[1])
      if (length > this.limits.maxBodyBytes) return this.fail(frames, { kind: "oversize", what: "body", bytes: length })
      const total = end.at + end.length + length
      if (this.buffer.length < total) break
      frames.push({ kind: "message", bytes: Uint8Array.from(this.buffer.subarray(0, total)) })
      this.buffer = this.buffer.subarray(total)
    }
    return frames
  }

  /** bytes held back waiting for the rest of a message */
  get pending(): number {
    return this.buffer.length
  }

  /** consumes CR/LF between messages; "wait" when nothing but (part of) a keep-alive is buffered */
  private keepAlives(frames: Array<Frame>): "wait" | "go" {
    let i = 0
    while (i < this.buffer.length && (this.buffer[i] === 0x0d || this.buffer[i] === 0x0a)) i++
    if (i === this.buffer.length && i < 4) return "wait"
    const run = this.buffer.subarray(0, i).toString("latin1")
    for (let p = run.indexOf("\r\n\r\n"); p >= 0; p = run.indexOf("\r\n\r\n", p + 4)) frames.push({ kind: "ping" })
    this.buffer = this.buffer.subarray(i)
    return this.buffer.length === 0 ? "wait" : "go"
  }

  private fail(frames: Array<Frame>, frame: Frame): Array<Frame> {
    this.failed = true
    this.buffer = Buffer.alloc(0)
    frames.push(frame)
    return frames
  }
}
