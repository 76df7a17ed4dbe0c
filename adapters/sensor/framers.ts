/**
 * Framers turn a byte stream into messages, resuming mid-message across chunks, with a
 * hard cap so an attacker cannot make us buffer without bound.
 */

export interface LineFramerOptions {
  /** longest line kept; longer input is cut into pieces of this size */
  readonly maxLine: number
}

/** Lines ending in LF (CR before it stripped). */
export class LineFramer {
  private buffer = ""
  constructor(private readonly options: LineFramerOptions = { maxLine: 8192 }) {}

  push(chunk: Uint8Array): Array<string> {
    this.buffer += Buffer.from(chunk).toString("latin1")
    const lines: Array<string> = []
    let nl: number
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      lines.push(this.buffer.slice(0, nl).replace(/\r$/, ""))
      this.buffer = this.buffer.slice(nl + 1)
    }
    while (this.buffer.length > this.options.maxLine) {
      lines.push(this.buffer.slice(0, this.options.maxLine))
      this.buffer = this.buffer.slice(this.options.maxLine)
    }
    return lines
  }

  /** bytes held back waiting for the end of a line */
  get pending(): number {
    return this.buffer.length
  }
}
