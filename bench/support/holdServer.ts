/**
 * The server side of the idle-sessions RSS measurement, in a process of its own so its
 * /proc/<pid>/status VmRSS is its alone: `sensor` runs a real sensor (test/support/sensor.ts:
 * embedded store, a `banner` TCP listener on 127.0.0.1) with its session limits raised;
 * `bare` is plain Node `net` sending the same banner and keeping each connection open
 * (the sensor's modules are imported only in `sensor` mode, so `bare` is Node + tsx alone).
 * Started by bench/support/children.ts (node --expose-gc); commands over IPC:
 *
 *   { cmd: "info" }          → { port }
 *   { cmd: "stats" }         → flushes the sensor's events, runs gc() twice, then
 *                              { sessions, heapUsed, external, arrayBuffers }
 *   { cmd: "stop" }          → stops the server and exits
 */
import { createServer } from "node:net"
import type { Socket } from "node:net"
import { freeTcpPort } from "../../test/support/free-port.js"

export type HoldCommand = { readonly cmd: "info" | "stats" | "stop" }

export interface HoldReply {
  readonly port?: number
  readonly sessions?: number
  readonly heapUsed?: number
  readonly external?: number
  readonly arrayBuffers?: number
}

export const bannerText = "Debian GNU/Linux 12\r\n\r\nAuthorized access only. All activity is logged.\r\n"

const mode = process.argv[2]
const sessionsWanted = Number(process.argv[3] ?? "10000")

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc
  collect?.()
  collect?.()
}

const main = async () => {
  const port = await freeTcpPort()
  let sessions: () => Promise<number>
  let flush: () => Promise<void> = async () => {}
  let stop: () => Promise<void>
  if (mode === "sensor") {
    const limit = sessionsWanted * 2
    const { Effect, Metric } = await import("effect")
    const { EventSink } = await import("../../src/sensor/EventSink.js")
    const { activeSessions } = await import("../../src/sensor/limits.js")
    const { startSensor } = await import("../../test/support/sensor.js")
    const sensor = await startSensor([{ name: "banner", port, transport: "tcp", plugin: "banner", options: { text: bannerText } }], {
      sensor: { limits: { maxSessions: limit, maxSessionsPerSource: limit, idleTimeout: "30m" } }
    })
    sessions = () => Effect.runPromise(Metric.value(activeSessions)).then((s) => s.value)
    flush = () => sensor.runtime.runPromise(Effect.flatMap(EventSink, (sink) => sink.flush))
    stop = () => sensor.stop()
  } else if (mode === "bare") {
    const open = new Set<Socket>()
    const server = createServer({ noDelay: true }, (socket) => {
      open.add(socket)
      socket.on("error", () => socket.destroy())
      socket.on("close", () => open.delete(socket))
      socket.write(bannerText)
    })
    await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port, exclusive: true }, resolve))
    sessions = async () => open.size
    stop = async () => {
      for (const s of open) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  } else {
    throw new Error(`usage: holdServer.ts sensor|bare [sessions], got ${String(mode)}`)
  }

  process.on("message", (command: HoldCommand) => {
    const reply = async (): Promise<HoldReply> => {
      switch (command.cmd) {
        case "info":
          return { port }
        case "stats": {
          await flush()
          gc()
          const m = process.memoryUsage()
          return { sessions: await sessions(), heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }
        }
        case "stop":
          await stop()
          setImmediate(() => process.exit(0))
          return {}
      }
    }
    reply().then(
      (r) => process.send?.(r),
      (error: unknown) => {
        process.stderr.write(`holdServer: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
        process.exit(1)
      }
    )
  })
  process.on("disconnect", () => void stop().finally(() => process.exit(0)))
  process.send?.({})
}

main().catch((error: unknown) => {
  process.stderr.write(`holdServer failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exit(1)
})
