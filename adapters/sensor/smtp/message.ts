/**
 * The DATA phase (RFC 5321 §4.1.1.4, §4.5.2): lines until a lone ".", with dot-
 * unstuffing, counted in full and kept only up to `keep` bytes, so a spammer's
 * 10 MB attachment costs us nothing but a counter. The summary (envelope, a few
 * header fields, the kept text, URLs in it) becomes the facts of the chunk that
 * ended the message. Nothing is ever delivered anywhere.
 */

export interface MessageSummary {
  readonly mailFrom: string
  readonly rcptTo: ReadonlyArray<string>
  readonly size: number
  readonly truncated: boolean
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  readonly urls: ReadonlyArray<string>
}

/** header fields worth a fact of their own */
const interesting = new Set(["from", "to", "cc", "subject", "date", "message-id", "x-mailer", "user-agent", "reply-to", "return-path", "content-type"])

const urlPattern = /\bhttps?:\/\/[^\s'"<>()]+/gi

export class MessageCollector {
  private readonly kept: Array<string> = []
  private keptBytes = 0
  private size = 0
  private inHeaders = true
  private readonly headers: Record<string, string> = {}
  private lastHeader: string | null = null

  constructor(
    private readonly envelope: { readonly mailFrom: string; readonly rcptTo: ReadonlyArray<string> },
    private readonly keep: number
  ) {}

  /** one line as the framer delivered it (latin1, no CRLF); true when it ended the message */
  line(raw: string): boolean {
    if (raw === ".") return true
    // §4.5.2: a leading dot was doubled by the client
    const line = raw.startsWith(".") ? raw.slice(1) : raw
    this.size += line.length + 2
    if (this.keptBytes < this.keep) {
      const piece = line.slice(0, this.keep - this.keptBytes)
      this.kept.push(piece)
      this.keptBytes += piece.length + 2
    }
    if (this.inHeaders) this.header(line)
    return false
  }

  get bytes(): number {
    return this.size
  }

  summary(): MessageSummary {
    const text = Buffer.from(this.kept.map((l) => `${l}\r\n`).join(""), "latin1").toString("utf8")
    return {
      mailFrom: this.envelope.mailFrom,
      rcptTo: this.envelope.rcptTo,
      size: this.size,
      truncated: this.size > this.keptBytes,
      headers: this.headers,
      text,
      urls: [...new Set(text.match(urlPattern) ?? [])].slice(0, 16)
    }
  }

  private header(line: string) {
    if (line === "") {
      this.inHeaders = false
      return
    }
    // RFC 5322 §2.2.3: folded continuation of the previous field
    if (/^[ \t]/.test(line)) {
      if (this.lastHeader !== null) this.headers[this.lastHeader] = `${this.headers[this.lastHeader]} ${line.trim()}`.slice(0, 512)
      return
    }
    const colon = line.indexOf(":")
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : ""
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) {
      // not a header field: the body started without the blank line
      this.inHeaders = false
      return
    }
    this.lastHeader = interesting.has(name) && this.headers[name] === undefined ? name : null
    if (this.lastHeader !== null) this.headers[name] = Buffer.from(line.slice(colon + 1).trim(), "latin1").toString("utf8").slice(0, 512)
  }
}
