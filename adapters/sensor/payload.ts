/** Payload summaries for events: length, md5, hex and printable text, capped. */
import { createHash } from "node:crypto"

export interface PayloadSummary {
  readonly length: number
  readonly md5: string
  readonly hex: string
  readonly text: string
  readonly truncated: boolean
}

/** Printable ASCII kept, CR/LF/TAB kept, everything else as "." (as hexdump does). */
const printable = (bytes: Uint8Array): string => {
  let out = ""
  for (const b of bytes) out += (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09 ? String.fromCharCode(b) : "."
  return out
}

export const summarize = (bytes: Uint8Array, cap: number): PayloadSummary => {
  const kept = bytes.length > cap ? bytes.subarray(0, cap) : bytes
  return {
    length: bytes.length,
    md5: createHash("md5").update(bytes).digest("hex"),
    hex: Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength).toString("hex"),
    text: printable(kept),
    truncated: kept.length < bytes.length
  }
}
