/** Small loopback clients for listener tests (STYLE.md: "a small converse helper"). */
import { createSocket } from "node:dgram"
import { connect } from "node:net"
import type { Socket } from "node:net"

export interface TcpConversation {
  readonly socket: Socket
  /** everything received so far */
  readonly received: () => Buffer
  /** waits until the received bytes match (or the timeout passes; then throws with what came) */
  readonly until: (pattern: RegExp | string, timeoutMs?: number) => Promise<string>
  readonly send: (data: string | Uint8Array) => void
  readonly closed: Promise<void>
  readonly close: () => void
}

export const tcp = (port: number, host = "127.0.0.1"): Promise<TcpConversation> =>
  new Promise((resolve, reject) => {
    const socket = connect({ port, host })
    const chunks: Array<Buffer> = []
    const waiters = new Set<() => void>()
    const closed = new Promise<void>((r) => socket.once("close", () => r()))
    socket.on("data", (d: Buffer) => {
      chunks.push(d)
      waiters.forEach((w) => w())
    })
    socket.on("close", () => waiters.forEach((w) => w()))
    socket.once("error", reject)
    socket.once("connect", () =>
      resolve({
        socket,
        received: () => Buffer.concat(chunks),
        until: (pattern, timeoutMs = 5000) =>
          new Promise((res, rej) => {
            const check = () => {
              const text = Buffer.concat(chunks).toString("latin1")
              if (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text)) {
                waiters.delete(check)
                clearTimeout(timer)
                res(text)
              }
            }
            const timer = setTimeout(() => {
              waiters.delete(check)
              rej(new Error(`timed out waiting for ${String(pattern)}; received: ${JSON.stringify(Buffer.concat(chunks).toString("latin1"))}`))
            }, timeoutMs)
            waiters.add(check)
            check()
          }),
        send: (data) => socket.write(data),
        closed,
        close: () => socket.destroy()
      })
    )
  })

/** Sends one datagram and collects replies for `waitMs`. */
export const udp = (port: number, payload: string | Uint8Array, waitMs = 300, host = "127.0.0.1"): Promise<Array<Buffer>> =>
  new Promise((resolve, reject) => {
    const socket = createSocket("udp4")
    const replies: Array<Buffer> = []
    socket.on("message", (m) => replies.push(m))
    socket.once("error", reject)
    socket.bind(0, "127.0.0.1", () => {
      socket.send(payload, port, host)
      setTimeout(() => {
        socket.close()
        resolve(replies)
      }, waitMs)
    })
  })

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** polls until `check` returns a value that is not undefined */
export const eventually = async <A>(check: () => Promise<A | undefined> | A | undefined, timeoutMs = 5000, what = "condition"): Promise<A> => {
  const started = Date.now()
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}
