/**
 * TCP transport for sessions: active connects from a chosen local address, and a
 * shared acceptor for passive peers (one server per listen address and port,
 * connections handed to the session waiting for that remote address).
 */
import { Deferred, Effect, Queue } from "effect"
import type { Scope } from "effect"
import { connect, createServer } from "node:net"
import type { Server, Socket } from "node:net"
import { canonicalIp } from "../../../domain/ip.js"
import { BgpTransportError } from "./Transport.js"
import type { Transport } from "./Transport.js"

type Inbound = Uint8Array | BgpTransportError

const endpoint = (address: string | undefined, port: number | undefined) => ({
  address: canonicalIp(address ?? "") ?? address ?? "",
  port: port ?? 0
})

/** Wraps a connected socket; the scope destroys it. */
export const fromSocket = (socket: Socket): Effect.Effect<Transport, never, Scope.Scope> =>
  Effect.gen(function*() {
    const inbox = yield* Queue.unbounded<Inbound>()
    let ended = false
    const end = (e: BgpTransportError) => {
      if (ended) return
      ended = true
      Queue.unsafeOffer(inbox, e)
    }
    socket.setNoDelay(true)
    socket.on("data", (chunk: Buffer) => Queue.unsafeOffer(inbox, chunk))
    socket.on("end", () => end(new BgpTransportError({ reason: "Closed", detail: "peer closed the connection" })))
    socket.on("error", (e: NodeJS.ErrnoException) => end(new BgpTransportError({ reason: "Read", detail: e.code ?? e.message, cause: e })))
    socket.on("close", () => end(new BgpTransportError({ reason: "Closed", detail: "connection closed" })))
    const close = Effect.sync(() => socket.destroy())
    yield* Effect.addFinalizer(() => close)
    const read = Effect.flatMap(Queue.take(inbox), (item) =>
      item instanceof Uint8Array ? Effect.succeed(item) : Effect.zipRight(Queue.offer(inbox, item), Effect.fail(item)))
    const write = (bytes: Uint8Array) =>
      Effect.async<void, BgpTransportError>((resume) => {
        if (socket.destroyed || !socket.writable) {
          return resume(Effect.fail(new BgpTransportError({ reason: "Write", detail: "socket is not writable" })))
        }
        socket.write(bytes, (error) => {
          resume(error == null ? Effect.void : Effect.fail(new BgpTransportError({ reason: "Write", detail: error.message, cause: error })))
        })
      })
    return {
      local: endpoint(socket.localAddress, socket.localPort),
      remote: endpoint(socket.remoteAddress, socket.remotePort),
      read,
      write,
      close
    }
  })

export interface ConnectOptions {
  readonly host: string
  readonly port: number
  readonly localAddress?: string | undefined
}

/** Connects (interruptible: an interrupted attempt destroys its socket). */
export const connectTcp = (options: ConnectOptions): Effect.Effect<Transport, BgpTransportError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<Socket, BgpTransportError>((resume) => {
      const socket = connect({
        host: options.host,
        port: options.port,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        noDelay: true
      })
      const onError = (e: NodeJS.ErrnoException) => {
        socket.destroy()
        resume(Effect.fail(new BgpTransportError({ reason: "Open", detail: `${options.host}:${options.port}: ${e.code ?? e.message}`, cause: e })))
      }
      socket.once("error", onError)
      socket.once("connect", () => {
        socket.off("error", onError)
        resume(Effect.succeed(socket))
      })
      return Effect.sync(() => socket.destroy())
    }),
    (socket) => Effect.sync(() => socket.destroy())
  ).pipe(Effect.flatMap(fromSocket))

export interface ListenOptions {
  readonly host: string
  readonly port: number
}

export interface Acceptor {
  /** Waits for a connection from `remote` on host:port (the server is shared and started on first use). */
  readonly accept: (listen: ListenOptions, remote: string) => Effect.Effect<Transport, BgpTransportError, Scope.Scope>
}

interface Listener {
  readonly server: Server
  readonly ready: Deferred.Deferred<void, BgpTransportError>
  readonly waiting: Map<string, (socket: Socket) => void>
  users: number
}

/**
 * Connections from addresses nobody waits for (unknown peers, or a peer whose
 * session is already up) are closed at once: an announce-only speaker never
 * needs a second connection to the same peer.
 */
export const makeAcceptor: Effect.Effect<Acceptor, never, Scope.Scope> = Effect.gen(function*() {
  const listeners = new Map<string, Listener>()
  yield* Effect.addFinalizer(() => Effect.sync(() => {
    for (const l of listeners.values()) l.server.close()
    listeners.clear()
  }))
  const listener = (listen: ListenOptions) =>
    Effect.acquireRelease(
      Effect.gen(function*() {
        const key = `${listen.host}|${listen.port}`
        const existing = listeners.get(key)
        if (existing !== undefined) {
          existing.users++
          return [key, existing] as const
        }
        const ready = yield* Deferred.make<void, BgpTransportError>()
        const waiting = new Map<string, (socket: Socket) => void>()
        const server = createServer({ noDelay: true }, (socket) => {
          const from = canonicalIp(socket.remoteAddress ?? "") ?? ""
          const take = waiting.get(from)
          if (take === undefined) return socket.destroy()
          waiting.delete(from)
          take(socket)
        })
        server.once("error", (e: NodeJS.ErrnoException) => {
          // forget a listener that could not bind, so that the next attempt binds afresh
          if (listeners.get(key) === created) listeners.delete(key)
          server.close()
          Deferred.unsafeDone(ready, Effect.fail(new BgpTransportError({ reason: "Open", detail: `listen ${listen.host}:${listen.port}: ${e.code ?? e.message}`, cause: e })))
        })
        server.listen({ host: listen.host, port: listen.port }, () => Deferred.unsafeDone(ready, Effect.void))
        const created: Listener = { server, ready, waiting, users: 1 }
        listeners.set(key, created)
        return [key, created] as const
      }),
      ([key, l]) => Effect.sync(() => {
        if (--l.users > 0) return
        if (listeners.get(key) === l) listeners.delete(key)
        l.server.close()
      })
    )
  const accept = (listen: ListenOptions, remote: string) =>
    Effect.gen(function*() {
      const [, l] = yield* listener(listen)
      yield* Deferred.await(l.ready)
      const from = canonicalIp(remote) ?? remote
      const socket = yield* Effect.acquireRelease(
        Effect.async<Socket>((resume) => {
          l.waiting.set(from, (s) => resume(Effect.succeed(s)))
          return Effect.sync(() => l.waiting.delete(from))
        }),
        (s) => Effect.sync(() => s.destroy())
      )
      return yield* fromSocket(socket)
    })
  return { accept }
})
