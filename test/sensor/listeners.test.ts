/**
 * The sensor's listeners with the generic plugins: events per contact, limits,
 * failing listeners retried, a throwing plugin closing only its own session.
 */
import { Effect } from "effect"
import { createServer } from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { registerPlugin } from "../../adapters/sensor/plugins/index.js"
import { Sensor } from "../../src/sensor/Sensor.js"
import { expandServices } from "../../src/sensor/services.js"
import { eventually, sleep, tcp, udp } from "../support/converse.js"
import { freeTcpPort, freeUdpPort } from "../support/free-port.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"

registerPlugin("test-throws", {
  description: "throws on the second chunk",
  tcp: {
    kind: "stream",
    name: "test-throws",
    session: () => {
      let n = 0
      return {
        open: () => ({ send: ["ready\n"] }),
        data: () => {
          if (++n > 1) throw new Error("boom")
          return { send: ["ok\n"] }
        }
      }
    }
  }
})

let sensor: RunningSensor | undefined
afterEach(async () => {
  await sensor?.stop()
  sensor = undefined
})

describe("sensor listeners (real sockets on 127.0.0.1)", () => {
  it("records a TCP contact: opened with ports, payloads both ways, closed with byte counts", async () => {
    const port = await freeTcpPort()
    sensor = await startSensor([{ name: "telnet-banner", port, publicPort: 23, transport: "tcp", plugin: "banner", options: { text: "Welcome\r\n" } }])
    const c = await tcp(port)
    await c.until("Welcome")
    c.send("root\r\n")
    await sleep(50)
    c.close()
    const events = await eventually(async () => {
      const all = await sensor!.events()
      return all.some((e) => e.event._tag === "ContactClosed") ? all : undefined
    })
    const types = events.map((e) => e.event._tag)
    expect(types).toEqual(["ContactOpened", "PayloadSent", "PayloadReceived", "ContactClosed"])
    const opened = events[0]!.event
    expect(opened).toMatchObject({ service: "telnet-banner", plugin: "banner", transport: "tcp", sourceIp: "127.0.0.1", localPort: port, publicPort: 23, sensor: "test-sensor" })
    expect(events[0]!.stream).toBe("attacker-127.0.0.1")
    expect(events[2]!.event).toMatchObject({ length: 6, text: "root\r\n", hex: "726f6f740d0a", truncated: false, md5: "c715d34197fa6ead42de60a743e3df8e" })
    expect(events[3]!.event).toMatchObject({ bytesIn: 6, bytesOut: 9, reason: "closed-by-peer" })
    // every follow-up names the ContactOpened as its cause and the session as correlation
    for (const e of events.slice(1)) {
      expect(e.meta.causationId).toBe(events[0]!.eventId)
      expect(e.meta.correlationId).toBe((opened as { sessionId: string }).sessionId)
    }
  })

  it("records UDP sessions per source port and never replies with more than the budget allows", async () => {
    const port = await freeUdpPort()
    sensor = await startSensor(
      [{ name: "udp-banner", port, transport: "udp", plugin: "banner", options: { text: "x".repeat(100) } }],
      { sensor: { limits: { maxSessions: 100, maxSessionsPerSource: 50, idleTimeout: "60s", payloadCap: 4096, sessionCap: 65536, udp: { replyRatio: 2, repliesPerSecond: 20, sessionIdle: "1s", maxSessions: 100 } } } }
    )
    // 10-byte request → at most 20 bytes of reply: the 100-byte banner is withheld
    expect(await udp(port, "0123456789")).toEqual([])
    // 60-byte request → 120 bytes of budget: the banner goes out
    const replies = await udp(port, "y".repeat(60))
    expect(replies.map((r) => r.length)).toEqual([100])
    const closed = await eventually(async () => {
      const c = await sensor!.ofType("ContactClosed")
      return c.length === 2 ? c : undefined
    }, 5000, "two idle UDP sessions closed")
    expect(closed.map((c) => c.reason)).toEqual(["idle", "idle"])
    const sent = await sensor.ofType("PayloadSent")
    expect(sent).toHaveLength(1)
    const hits = await eventually(async () => {
      const h = (await sensor!.allEvents()).filter((e) => e.event._tag === "SensorLimitHit")
      return h.length > 0 ? h : undefined
    }, 8000, "a SensorLimitHit summary")
    expect(hits[0]!.event).toMatchObject({ limit: "udp-reply-bytes", sourceIp: "127.0.0.1", count: 1 })
  })

  it("refuses sessions beyond the per-source limit and counts it", async () => {
    const port = await freeTcpPort()
    sensor = await startSensor([{ name: "echo", port, transport: "tcp", plugin: "echo" }], {
      sensor: { limits: { maxSessions: 100, maxSessionsPerSource: 2, idleTimeout: "60s", payloadCap: 4096, sessionCap: 65536, udp: { replyRatio: 2, repliesPerSecond: 20, sessionIdle: "30s", maxSessions: 100 } } }
    })
    const a = await tcp(port)
    const b = await tcp(port)
    const c = await tcp(port)
    await c.closed
    a.send("still here")
    await a.until("still here")
    a.close()
    b.close()
    expect((await sensor.ofType("ContactOpened")).length).toBe(2)
  })

  it("a plugin that throws closes only its own session; the listener keeps serving", async () => {
    const port = await freeTcpPort()
    sensor = await startSensor([{ name: "fragile", port, transport: "tcp", plugin: "test-throws" }])
    const bad = await tcp(port)
    await bad.until("ready")
    bad.send("one")
    await bad.until("ok")
    bad.send("two")
    await bad.closed
    const good = await tcp(port)
    await good.until("ready")
    good.close()
    const closed = await eventually(async () => {
      const c = await sensor!.ofType("ContactClosed")
      return c.length === 2 ? c : undefined
    })
    expect(closed.map((c) => c.reason).sort()).toEqual(["closed-by-peer", "plugin-error"])
  })

  it("records ListenerFailed for a port in use, retries, and serves once the port is free", async () => {
    const port = await freeTcpPort()
    const squatter = createServer()
    await new Promise<void>((r) => squatter.listen(port, "127.0.0.1", () => r()))
    const otherPort = await freeTcpPort()
    sensor = await startSensor([
      { name: "blocked", port, transport: "tcp", plugin: "banner" },
      { name: "fine", port: otherPort, transport: "tcp", plugin: "banner" }
    ])
    const failed = await eventually(async () => {
      const f = (await sensor!.allEvents()).filter((e) => e.event._tag === "ListenerFailed")
      return f.length > 0 ? f : undefined
    })
    expect(failed[0]!.stream).toBe("sensor-test-sensor")
    expect(failed[0]!.event).toMatchObject({ service: "blocked", port, transport: "tcp", attempt: 1 })
    expect((failed[0]!.event as { error: string }).error).toMatch(/EADDRINUSE/)
    const fine = await tcp(otherPort) // the sibling is unaffected
    await fine.until("Debian")
    fine.close()
    await new Promise<void>((r) => squatter.close(() => r()))
    const c = await eventually(() => tcp(port).catch(() => undefined), 8000, "the retried listener")
    await c.until("Debian")
    c.close()
    const started = (await sensor.allEvents()).find((e) => e.event._tag === "SensorStarted")
    expect(started?.event).toMatchObject({ sensor: "test-sensor", services: [expect.objectContaining({ name: "blocked" }), expect.objectContaining({ name: "fine" })] })
  })

  it("sync starts and stops only the listeners that changed", async () => {
    const [p1, p2] = [await freeTcpPort(), await freeTcpPort()]
    sensor = await startSensor([{ name: "one", port: p1, transport: "tcp", plugin: "banner" }])
    const keep = await tcp(p1)
    await keep.until("Debian")
    const specs = expandServices(
      [
        { name: "one", port: p1, transport: "tcp", plugin: "banner", options: {} },
        { name: "two", port: p2, transport: "tcp", plugin: "echo", options: {} }
      ],
      "127.0.0.1"
    )
    if (specs._tag === "Left") throw new Error(specs.left.join())
    await sensor.runtime.runPromise(Effect.flatMap(Sensor, (s) => s.sync(specs.right)))
    const two = await tcp(p2)
    two.send("hi")
    await two.until("hi")
    two.close()
    keep.send("x")
    await sleep(50)
    expect(keep.socket.destroyed).toBe(false) // listener one was not restarted
    await sensor.runtime.runPromise(Effect.flatMap(Sensor, (s) => s.sync(specs.right.slice(0, 1))))
    await expect(tcp(p2)).rejects.toThrow(/ECONNREFUSED/)
    keep.close()
  })

  it("reports bad service definitions by name", () => {
    const r = expandServices(
      [
        { name: "a", port: "5060-5062", transport: "udp", plugin: "nope", options: {} },
        { name: "b", port: 10, transport: "tcp", plugin: "echo", options: {} },
        { name: "c", port: 10, transport: "tcp", plugin: "banner", options: {} },
        { name: "d", port: "1-2", publicPort: "5-9", transport: "tcp", plugin: "echo", options: {} }
      ],
      "127.0.0.1"
    )
    expect(r._tag).toBe("Left")
    const text = r._tag === "Left" ? r.left.join("\n") : ""
    expect(text).toMatch(/sensor.services\[0\] \(a\): unknown plugin "nope"/)
    expect(text).toMatch(/sensor.services\[2\] \(c\): tcp:10 is already served by b/)
    expect(text).toMatch(/sensor.services\[3\] \(d\): publicPort/)
  })
})
