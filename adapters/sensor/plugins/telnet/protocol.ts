/**
 * Telnet's in-band command layer (RFC 854/855): a framer that strips IAC sequences out
 * of the data stream, resuming mid-sequence across chunks, and a negotiator that
 * answers option requests without ever looping (RFC 854: never acknowledge a request
 * to enter a mode we are already in — the gist of RFC 1143's Q method).
 */

export const IAC = 255
export const DONT = 254
export const DO = 253
export const WONT = 252
export const WILL = 251
export const SB = 250
export const SE = 240

export const Option = { ECHO: 1, SGA: 3, TTYPE: 24, NAWS: 31, TSPEED: 32, LINEMODE: 34, NEW_ENVIRON: 39 } as const

const verbNames: Record<number, string> = { [DONT]: "DONT", [DO]: "DO", [WONT]: "WONT", [WILL]: "WILL" }
const optionNames: Record<number, string> = Object.fromEntries(Object.entries(Option).map(([name, code]) => [code, name]))

/** "WILL NAWS", "DO 5": how negotiation appears in facts */
export const describeNegotiation = (verb: number, option: number): string => `${verbNames[verb] ?? verb} ${optionNames[option] ?? option}`

export type TelnetCommand =
  | { readonly kind: "negotiate"; readonly verb: number; readonly option: number }
  | { readonly kind: "subnegotiation"; readonly option: number; readonly data: Uint8Array }
  | { readonly kind: "command"; readonly code: number }

/** subnegotiations longer than this are cut: they carry a terminal type or a window size */
const maxSubnegotiation = 256

type ParserState = "data" | "iac" | "verb" | "sb" | "sb-data" | "sb-iac"

export class TelnetParser {
  private state: ParserState = "data"
  private verb = 0
  private sbOption = 0
  private sb: Array<number> = []

  push(chunk: Uint8Array): { readonly data: Uint8Array; readonly commands: ReadonlyArray<TelnetCommand> } {
    const data: Array<number> = []
    const commands: Array<TelnetCommand> = []
    for (const b of chunk) {
      switch (this.state) {
        case "data":
          if (b === IAC) this.state = "iac"
          else data.push(b)
          break
        case "iac":
          if (b === IAC) {
            data.push(IAC) // IAC IAC is a literal 255
            this.state = "data"
          } else if (b >= WILL) {
            this.verb = b
            this.state = "verb"
          } else if (b === SB) this.state = "sb"
          else {
            commands.push({ kind: "command", code: b })
            this.state = "data"
          }
          break
        case "verb":
          commands.push({ kind: "negotiate", verb: this.verb, option: b })
          this.state = "data"
          break
        case "sb":
          this.sbOption = b
          this.sb = []
          this.state = "sb-data"
          break
        case "sb-data":
          if (b === IAC) this.state = "sb-iac"
          else if (this.sb.length < maxSubnegotiation) this.sb.push(b)
          break
        case "sb-iac":
          if (b === SE) {
            commands.push({ kind: "subnegotiation", option: this.sbOption, data: Uint8Array.from(this.sb) })
            this.state = "data"
          } else {
            if (b === IAC && this.sb.length < maxSubnegotiation) this.sb.push(IAC)
            this.state = "sb-data"
          }
          break
      }
    }
    return { data: Uint8Array.from(data), commands }
  }
}

/** IAC-escapes outgoing data (a 0xFF data byte is sent as IAC IAC) */
export const escapeIac = (bytes: Uint8Array): Uint8Array => {
  if (!bytes.includes(IAC)) return bytes
  const out: Array<number> = []
  for (const b of bytes) {
    out.push(b)
    if (b === IAC) out.push(IAC)
  }
  return Uint8Array.from(out)
}

/** what this server offers (WILL) and lets the client do (DO) */
const weWill = new Set<number>([Option.ECHO, Option.SGA])
const theyMay = new Set<number>([Option.NAWS, Option.TTYPE, Option.SGA])

/**
 * BusyBox telnetd's opening, byte for byte (telnetd.c `iacs_to_send`): DO ECHO, DO NAWS,
 * WILL ECHO, WILL SGA — what nmap's probes match as "BusyBox telnetd". The terminal
 * type is still asked for whenever a client offers WILL TTYPE itself.
 */
export const openingNegotiation = Uint8Array.from([IAC, DO, Option.ECHO, IAC, DO, Option.NAWS, IAC, WILL, Option.ECHO, IAC, WILL, Option.SGA])

/** Option state per side; answers requests so both ends agree and nothing ping-pongs. */
export class Negotiator {
  private readonly local = new Set<number>([Option.ECHO, Option.SGA]) // offered in openingNegotiation
  private readonly remote = new Set<number>()
  private readonly requested = new Set<number>([Option.ECHO, Option.NAWS]) // asked in openingNegotiation
  terminal: string | null = null
  window: { readonly width: number; readonly height: number } | null = null

  /** whether we echo (the client may refuse our WILL ECHO with DONT ECHO) */
  get echoing(): boolean {
    return this.local.has(Option.ECHO)
  }

  handle(cmd: TelnetCommand): Array<number> {
    if (cmd.kind === "command") return []
    if (cmd.kind === "subnegotiation") {
      this.subnegotiation(cmd.option, cmd.data)
      return []
    }
    const { verb, option } = cmd
    switch (verb) {
      case DO:
        if (this.local.has(option)) return []
        if (weWill.has(option)) {
          this.local.add(option)
          return [IAC, WILL, option]
        }
        return [IAC, WONT, option]
      case DONT:
        if (!this.local.delete(option)) return []
        return [IAC, WONT, option]
      case WILL: {
        if (this.remote.has(option)) return []
        // the answer to our own DO is an acknowledgement, not a request to answer
        const asked = this.requested.delete(option)
        if (!theyMay.has(option)) return [IAC, DONT, option]
        this.remote.add(option)
        const ack = asked ? [] : [IAC, DO, option]
        // RFC 1091: once the client WILL TTYPE, ask which terminal it is
        return option === Option.TTYPE ? [...ack, IAC, SB, Option.TTYPE, 1, IAC, SE] : ack
      }
      case WONT:
        this.requested.delete(option)
        if (!this.remote.delete(option)) return []
        return [IAC, DONT, option]
      default:
        return []
    }
  }

  private subnegotiation(option: number, data: Uint8Array) {
    if (option === Option.TTYPE && data[0] === 0) {
      // IS <name> (RFC 1091)
      this.terminal = Buffer.from(data.subarray(1)).toString("latin1").slice(0, 64)
    } else if (option === Option.NAWS && data.length >= 4) {
      // RFC 1073: width and height, 16 bits each
      this.window = { width: (data[0]! << 8) | data[1]!, height: (data[2]! << 8) | data[3]! }
    }
  }
}
