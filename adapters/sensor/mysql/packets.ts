/**
 * MySQL packet framing (client/server protocol, "MySQL Packets"): a 3-byte
 * little-endian payload length, a 1-byte sequence id, the payload. The framer
 * resumes mid-packet and refuses a declared length over `maxPayload` before
 * buffering any of it — before login nothing legitimate comes near 64 KiB, and a
 * 0xffffff length (a multi-packet payload) is never needed for a handshake.
 */

export interface Packet {
  readonly seq: number
  readonly payload: Buffer
}

export type PacketFrame =
  | { readonly _tag: "Packet"; readonly packet: Packet }
  | { readonly _tag: "Oversize"; readonly seq: number; readonly length: number }

export const encodePacket = (seq: number, payload: Uint8Array): Buffer => {
  const header = Buffer.alloc(4)
  header.writeUIntLE(payload.length, 0, 3)
  header[3] = seq & 0xff
  return Buffer.concat([header, payload])
}

export class PacketFramer {
  private chunks: Array<Buffer> = []
  private size = 0
  private spent = false

  constructor(private readonly maxPayload = 65536) {}

  push(chunk: Uint8Array): Array<PacketFrame> {
    if (this.spent) return []
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    this.size += chunk.byteLength
    const frames: Array<PacketFrame> = []
    while (this.size >= 4) {
      // the header may straddle chunks: merge once, then it sits in the first chunk
      if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks, this.size)]
      const head = this.chunks[0]!
      const length = head.readUIntLE(0, 3)
      const seq = head[3]!
      if (length > this.maxPayload) {
        this.spent = true
        this.chunks = []
        this.size = 0
        frames.push({ _tag: "Oversize", seq, length })
        break
      }
      if (this.size < 4 + length) break
      const all = this.chunks.length === 1 ? head : Buffer.concat(this.chunks, this.size)
      // copied out, so the packet does not pin the whole chunk it came in
      frames.push({ _tag: "Packet", packet: { seq, payload: Buffer.from(all.subarray(4, 4 + length)) } })
      const rest = all.subarray(4 + length)
      this.chunks = rest.length > 0 ? [rest] : []
      this.size = rest.length
    }
    return frames
  }

  /** bytes held waiting for the rest of a packet */
  get pending(): number {
    return this.size
  }
}
