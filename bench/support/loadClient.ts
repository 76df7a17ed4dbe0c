/**
 * The "attackers" of bench/sensor.bench.ts, in their own process so that the server
 * under test (the sensor, or the bare Node loop it is compared with) keeps its event
 * loop to itself. Driven over the fork IPC channel, one command at a time:
 *
 *   { cmd: "tcp", host, port, sources, total, concurrency }  connect, wait for the
 *       server's first byte (or its close), close; `concurrency` at a time
 *   { cmd: "udp", host, port, sources, sockets, total, window, size }  `sockets` UDP
 *       sockets (distinct source ports, spread over `sources`), each keeping `window`
 *       datagrams outstanding: a reply (the echo) releases the next one
 *   { cmd: "hold", host, port, sources, total, concurrency }  open `total` connections,
 *       wait for each one's first byte, keep them all open (idle)
 *   { cmd: "release" }  closes the held connections
 *
 * Every reply is { ok: true, ... } or { ok: false, error }. Transport is loopback only:
 * `sources` are 127.x addresses the sockets bind to.
 */
import { createSocket } from "node:dgram"
import type { Socket as UdpSocket } from "node:dgram"
import { connect } from "node:net"
import type { Socket } from "node:net"
import { performance } from "node:perf_hooks"

export interface TcpCommand {
  readonly cmd: "tcp" | "hold"
  readonly host: string
  readonly port: number
  readonly sources: ReadonlyArray<string>
  readonly total: number
  readonly concurrency: number
}

export interface UdpCommand {
  readonly cmd: "udp"
  readonly host: string
  readonly port: number
  readonly sources: ReadonlyArray<string>
  readonly sockets: number
  readonly total: number
  readonly window: number
  readonly size: number
}

export type ClientCommand = TcpCommand | UdpCommand | { readonly cmd: "release" }

export interface ClientReply {
  readonly ok: boolean
  readonly error?: string
  /** client-side wall time of the command, ms */
  readonly ms?: number
  readonly done?: number
  readonly failed?: number
  readonly sent?: number
  readonly replies?: number
  readonly lost?: number
}

const held: Array<Socket> = []

/** Runs `total` connections, `concurrency` at a time; `keep` leaves them open. */
const tcp = (c: TcpCommand, keep: boolean): Promise<ClientReply> =>
  new Promise((resolve) => {
    const t0 = performance.now()
    let started = 0
    let done = 0
    let failed = 0
    const errors = new Map<string, number>()
    const one = () => {
      const i = started++
      const source = c.sources[i % c.sources.length]!
      const socket = connect({ host: c.host, port: c.port, localAddress: source, noDelay: true })
      let settled = false
      const settle = (ok: boolean, code?: string) => {
        if (settled) return
        settled = true
        if (ok) done++
        else {
          failed++
          const key = code ?? "unknown"
          errors.set(key, (errors.get(key) ?? 0) + 1)
        }
        if (keep && ok) {
          socket.removeAllListeners("data")
          held.push(socket)
        } else {
          socket.destroy()
        }
        if (started < c.total) one()
        else if (done + failed === c.total) {
          const error = errors.size === 0 ? undefined : [...errors].map(([k, n]) => `${k}×${n}`).join(", ")
          resolve({ ok: true, ms: performance.now() - t0, done, failed, ...(error === undefined ? {} : { error }) })
        }
      }
      socket.once("data", () => settle(true))
      // the bare server closes without a byte: that is its whole answer
      socket.once("end", () => settle(!keep))
      socket.once("close", () => settle(!keep, "closed"))
      socket.on("error", (e: NodeJS.ErrnoException) => settle(false, e.code ?? e.message))
    }
    for (let k = 0; k < Math.min(c.concurrency, c.total); k++) one()
  })

const udp = async (c: UdpCommand): Promise<ClientReply> => {
  const sockets: Array<UdpSocket> = []
  for (let k = 0; k < c.sockets; k++) {
    const s = createSocket("udp4")
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject)
      s.bind({ address: c.sources[k % c.sources.length]!, port: 0 }, () => {
        s.off("error", reject)
        resolve()
      })
    })
    sockets.push(s)
  }
  return new Promise((resolve) => {
    const t0 = performance.now()
    let sent = 0
    let replies = 0
    let lost = 0
    let late = 0
    // per socket: sequence numbers in flight (each datagram carries its own in its first
    // 4 bytes, the echo brings it back) and when the socket last heard an echo
    const inFlight = Array.from({ length: c.sockets }, () => new Set<number>())
    const lastReply = new Array<number>(c.sockets).fill(t0)
    let seq = 0
    const send = (k: number) => {
      if (sent >= c.total) return
      sent++
      const n = seq++
      const payload = Buffer.alloc(Math.max(4, c.size), 0x41)
      payload.writeUInt32BE(n, 0)
      inFlight[k]!.add(n)
      sockets[k]!.send(payload, c.port, c.host)
    }
    const finish = () => {
      clearInterval(watchdog)
      for (const s of sockets) s.close()
      resolve({ ok: true, ms: performance.now() - t0, sent, replies, lost, ...(late === 0 ? {} : { error: `${late} late echoes` }) })
    }
    const maybeDone = () => {
      if (sent >= c.total && inFlight.every((f) => f.size === 0)) finish()
    }
    // a datagram (or its echo) lost on the way would stall its socket's window: after
    // 2 s without an echo its datagrams in flight count as lost and the window refills
    const watchdog = setInterval(() => {
      const now = performance.now()
      for (let k = 0; k < c.sockets; k++) {
        const f = inFlight[k]!
        if (f.size > 0 && now - lastReply[k]! > 2000) {
          lost += f.size
          const n = f.size
          f.clear()
          lastReply[k] = now
          for (let j = 0; j < n; j++) send(k)
        }
      }
      maybeDone()
    }, 100)
    sockets.forEach((s, k) => {
      s.on("message", (echo) => {
        if (echo.length < 4 || !inFlight[k]!.delete(echo.readUInt32BE(0))) {
          late++
          return
        }
        replies++
        lastReply[k] = performance.now()
        send(k)
        maybeDone()
      })
    })
    for (let j = 0; j < c.window; j++) for (let k = 0; k < c.sockets; k++) send(k)
  })
}

const handle = async (c: ClientCommand): Promise<ClientReply> => {
  switch (c.cmd) {
    case "tcp":
      return tcp(c, false)
    case "hold":
      return tcp(c, true)
    case "udp":
      return udp(c)
    case "release": {
      const n = held.length
      for (const s of held.splice(0)) s.destroy()
      return { ok: true, done: n }
    }
  }
}

process.on("message", (message: ClientCommand) => {
  handle(message).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ ok: false, error: error instanceof Error ? error.message : String(error) })
  )
})
process.on("disconnect", () => process.exit(0))
process.send?.({ ok: true })
