/**
 * TFTP packets (RFC 1350 §5, options per RFC 2347): pure `decode` and `encode`.
 *
 *   RRQ/WRQ  | 01/02 | filename | 0 | mode | 0 | opt1 | 0 | value1 | 0 | …
 *   DATA     | 03 | block | data (0–blksize bytes)
 *   ACK      | 04 | block
 *   ERROR    | 05 | code | message | 0
 *   OACK     | 06 | opt1 | 0 | value1 | 0 | …
 */

export type TftpPacket =
  | { readonly op: "RRQ" | "WRQ"; readonly filename: string; readonly mode: string; readonly options: Readonly<Record<string, string>> }
  | { readonly op: "DATA"; readonly block: number; readonly data: Uint8Array }
  | { readonly op: "ACK"; readonly block: number }
  | { readonly op: "ERROR"; readonly code: number; readonly message: string }
  | { readonly op: "OACK"; readonly options: Readonly<Record<string, string>> }

export const ErrorCode = { NOT_DEFINED: 0, FILE_NOT_FOUND: 1, ACCESS_VIOLATION: 2, DISK_FULL: 3, ILLEGAL_OPERATION: 4, UNKNOWN_TID: 5, FILE_EXISTS: 6, NO_SUCH_USER: 7, OPTION_REFUSED: 8 } as const

const opcodes = ["", "RRQ", "WRQ", "DATA", "ACK", "ERROR", "OACK"] as const
/** options kept from one request: real clients send three or four */
const maxOptions = 16

export class TftpDecodeError extends Error {
  readonly _tag = "TftpDecodeError"
}

/** NUL-terminated strings from `offset`; a missing final NUL is an error (RFC 1350 §5) */
const strings = (bytes: Buffer, offset: number): Array<string> => {
  const out: Array<string> = []
  let start = offset
  while (start < bytes.length) {
    const end = bytes.indexOf(0, start)
    if (end < 0) throw new TftpDecodeError("string not terminated by NUL")
    out.push(bytes.toString("latin1", start, end))
    start = end + 1
  }
  return out
}

const optionsFrom = (pairs: ReadonlyArray<string>): Record<string, string> => {
  const options: Record<string, string> = {}
  for (let i = 0; i + 1 < pairs.length && i / 2 < maxOptions; i += 2) options[pairs[i]!.toLowerCase()] = pairs[i + 1]!
  return options
}

export const decode = (packet: Uint8Array): TftpPacket => {
  const bytes = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength)
  if (bytes.length < 2) throw new TftpDecodeError("shorter than an opcode")
  const op = opcodes[bytes.readUInt16BE(0)]
  switch (op) {
    case "RRQ":
    case "WRQ": {
      const [filename, mode, ...rest] = strings(bytes, 2)
      if (filename === undefined || mode === undefined || filename === "") throw new TftpDecodeError(`${op} without filename and mode`)
      return { op, filename, mode: mode.toLowerCase(), options: optionsFrom(rest) }
    }
    case "DATA":
      if (bytes.length < 4) throw new TftpDecodeError("DATA without block number")
      return { op, block: bytes.readUInt16BE(2), data: bytes.subarray(4) }
    case "ACK":
      if (bytes.length < 4) throw new TftpDecodeError("ACK without block number")
      return { op, block: bytes.readUInt16BE(2) }
    case "ERROR":
      if (bytes.length < 4) throw new TftpDecodeError("ERROR without code")
      // some clients omit the final NUL of the message: take it as it is
      return { op, code: bytes.readUInt16BE(2), message: bytes.toString("latin1", 4, bytes.indexOf(0, 4) < 0 ? bytes.length : bytes.indexOf(0, 4)) }
    case "OACK":
      return { op, options: optionsFrom(strings(bytes, 2)) }
    default:
      throw new TftpDecodeError(`unknown opcode ${bytes.readUInt16BE(0)}`)
  }
}

const zeroTerminated = (...parts: ReadonlyArray<string>) => Buffer.concat(parts.map((p) => Buffer.from(`${p}\0`, "latin1")))

export const encode = (packet: TftpPacket): Uint8Array => {
  const op = Buffer.alloc(2)
  op.writeUInt16BE(opcodes.indexOf(packet.op), 0)
  const u16 = (n: number) => {
    const b = Buffer.alloc(2)
    b.writeUInt16BE(n & 0xffff, 0)
    return b
  }
  switch (packet.op) {
    case "RRQ":
    case "WRQ":
      return Buffer.concat([op, zeroTerminated(packet.filename, packet.mode, ...Object.entries(packet.options).flat())])
    case "DATA":
      return Buffer.concat([op, u16(packet.block), packet.data])
    case "ACK":
      return Buffer.concat([op, u16(packet.block)])
    case "ERROR":
      return Buffer.concat([op, u16(packet.code), zeroTerminated(packet.message)])
    case "OACK":
      return Buffer.concat([op, zeroTerminated(...Object.entries(packet.options).flat())])
  }
}

export const encodingLength = (packet: TftpPacket): number => encode(packet).length

/** netascii (RFC 764): LF → CR LF, a bare CR → CR NUL */
export const toNetascii = (bytes: Uint8Array): Uint8Array =>
  Buffer.from(Buffer.from(bytes).toString("latin1").replace(/\r/g, "\r\0").replace(/\n/g, "\r\n"), "latin1")
