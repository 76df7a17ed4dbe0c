/**
 * DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded by its
 * length as two bytes, big-endian. Resumes mid-prefix and mid-message across chunks;
 * a declared length above the cap is reported instead of buffered.
 */

export class LengthPrefixFramer {
  private buffer: Buffer = Buffer.alloc(0)

  constructor(private readonly maxMessage: number) {}

  push(chunk: Uint8Array): { readonly messages: ReadonlyArray<Buffer>; readonly oversize: number | null } {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk])
    const messages: Array<Buffer> = []
    while (this.buffer.length >= 2) {
      const length = this.buffer.readUInt16BE(0)
      if (length > this.maxMessage) {
        this.buffer = Buffer.alloc(0)
        return { messages, oversize: length }
      }
      if (this.buffer.length < 2 + length) break
      messages.push(this.buffer.subarray(2, 2 + length))
      this.buffer = this.buffer.subarray(2 + length)
    }
    return { messages, oversize: null }
  }

  static frame(message: Uint8Array): Uint8Array {
    const out = Buffer.alloc(2 + message.length)
    out.writeUInt16BE(message.length, 0)
    out.set(message, 2)
    return out
  }
}
