/**
 * Cuts BGP messages out of a TCP byte stream, resuming mid-message across chunks.
 * Only marker and length are checked here (enough to find the next message);
 * a bad one desynchronises the stream for good, so the framer stays failed.
 */
import { Either } from "effect"
import type { BgpMessageError } from "./errors.js"
import { decodeFrameLength, HEADER_LENGTH } from "./header.js"

export interface Framer {
  /** The complete messages this chunk finished, or the error that broke the stream. */
  readonly push: (chunk: Uint8Array) => Either.Either<Array<Uint8Array>, BgpMessageError>
  /** Bytes of an unfinished message held back. */
  readonly pending: () => number
}

export const makeFramer = (): Framer => {
  let buffer: Uint8Array = new Uint8Array(0)
  let failed: BgpMessageError | undefined
  const push = (chunk: Uint8Array): Either.Either<Array<Uint8Array>, BgpMessageError> => {
    if (failed !== undefined) return Either.left(failed)
    let data: Uint8Array
    if (buffer.length === 0) {
      data = chunk
    } else {
      data = new Uint8Array(buffer.length + chunk.length)
      data.set(buffer)
      data.set(chunk, buffer.length)
    }
    const out: Array<Uint8Array> = []
    let at = 0
    while (data.length - at >= HEADER_LENGTH) {
      const length = decodeFrameLength(data, at)
      if (Either.isLeft(length)) {
        failed = length.left
        buffer = new Uint8Array(0)
        return Either.left(failed)
      }
      if (data.length - at < length.right) break
      // a copy: the chunk's memory belongs to the socket
      out.push(data.slice(at, at + length.right))
      at += length.right
    }
    buffer = at === data.length ? new Uint8Array(0) : data.slice(at)
    return Either.right(out)
  }
  return { push, pending: () => buffer.length }
}
