/**
 * HTTP/1.x messages as the codec sees them (RFC 9112), and `encodeRequest`, the
 * other direction of the request framer (tests, round trips).
 */

export type HttpHeaders = ReadonlyArray<readonly [name: string, value: string]>

export interface HttpRequest {
  readonly method: string
  /** request-target as sent (origin-form, absolute-form, authority-form or `*`) */
  readonly target: string
  /** "1.1", "1.0" … */
  readonly version: string
  readonly headers: HttpHeaders
  /** the body, cut at `keepBody`; `bodyLength` counts every byte */
  readonly body: Buffer
  readonly bodyLength: number
  readonly chunked: boolean
}

export const header = (headers: HttpHeaders, name: string): string | undefined => {
  const lower = name.toLowerCase()
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1]
}

/** Serialises a request; a chunked request's body is sent as chunks of `chunkBytes`. */
export const encodeRequest = (request: Omit<HttpRequest, "bodyLength">, chunkBytes = 4096): Buffer => {
  const head = [`${request.method} ${request.target} HTTP/${request.version}`, ...request.headers.map(([n, v]) => `${n}: ${v}`), "", ""].join("\r\n")
  if (!request.chunked) return Buffer.concat([Buffer.from(head, "latin1"), request.body])
  const parts: Array<Buffer> = [Buffer.from(head, "latin1")]
  for (let i = 0; i < request.body.length; i += chunkBytes) {
    const piece = request.body.subarray(i, i + chunkBytes)
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`, "latin1"), piece, Buffer.from("\r\n", "latin1"))
  }
  parts.push(Buffer.from("0\r\n\r\n", "latin1"))
  return Buffer.concat(parts)
}
