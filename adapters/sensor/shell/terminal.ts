/**
 * The line discipline of a fake terminal (what a pty in canonical mode does): bytes
 * in, complete lines out, with the echo a remote-echo terminal expects. Handles CR,
 * LF, CR LF and CR NUL line ends (telnet clients send all of them, RFC 854), erase
 * (BS/DEL), kill (^U), interrupt (^C) and end-of-file (^D on an empty line).
 */

export type TerminalInput =
  | { readonly kind: "line"; readonly text: string }
  | { readonly kind: "interrupt" }
  | { readonly kind: "eof" }

/** receives echo and complete inputs in order; `input` returns false to stop reading */
export interface TerminalSink {
  readonly echo: (text: string) => void
  readonly input: (input: TerminalInput) => boolean
}

export class LineEditor {
  private line = ""
  private afterCr = false
  /** echo typed characters back (off while a password is typed) */
  echo = true

  /** `maxLine`: longer input is cut into lines of this size, so nothing buffers without bound */
  constructor(private readonly maxLine = 4096) {}

  /**
   * Feeds bytes; the sink sees each echo and input as it happens, so a sink that turns
   * echo off on "Password:" hides a password that arrived in the same chunk.
   */
  push(bytes: Uint8Array, sink: TerminalSink): void {
    const out = (s: string) => {
      if (this.echo && s !== "") sink.echo(s)
    }
    for (const b of bytes) {
      const wasCr = this.afterCr
      this.afterCr = false
      if (wasCr && (b === 0x0a || b === 0x00)) continue // the LF or NUL of CR LF / CR NUL
      if (b === 0x0d || b === 0x0a) {
        this.afterCr = b === 0x0d
        const text = this.line
        this.line = ""
        out("\r\n")
        if (!sink.input({ kind: "line", text })) return
      } else if (b === 0x7f || b === 0x08) {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1)
          out("\b \b")
        }
      } else if (b === 0x15) {
        out("\b \b".repeat(this.line.length))
        this.line = ""
      } else if (b === 0x03) {
        this.line = ""
        out("^C\r\n")
        if (!sink.input({ kind: "interrupt" })) return
      } else if (b === 0x04) {
        if (this.line === "" && !sink.input({ kind: "eof" })) return
      } else if (b !== 0x00) {
        this.line += String.fromCharCode(b)
        out(String.fromCharCode(b))
        if (this.line.length >= this.maxLine) {
          const text = this.line
          this.line = ""
          if (!sink.input({ kind: "line", text })) return
        }
      }
    }
  }

  /** characters typed but not yet ended by a newline */
  get pending(): number {
    return this.line.length
  }
}

/** "\n" → "\r\n" as a pty's ONLCR does (a "\r\n" already there stays as is) */
export const toCrlf = (text: string): string => text.replace(/\r?\n/g, "\r\n")
