/**
 * The blocking loop end to end in one process: real sockets into the sensor, ban
 * decisions in the attacker's stream, expiry at TTL, lifts on allowlisting.
 */
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { changeAllowlist } from "../../src/bans/Allowlist.js"
import { EventStore } from "../../domain/EventStore.js"
import { eventually, sleep, tcp, udp } from "../support/converse.js"
import { freeTcpPort, freeUdpPort } from "../support/free-port.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"

let running: RunningSensor | undefined
afterEach(async () => {
  await running?.stop()
  running = undefined
})

const bansConfig = (over: Record<string, unknown> = {}) => ({
  bans: { neverBan: [], ttl: "1h", maxTtl: "30d", ...over }
})

describe("ban reactor with a live sensor (real sockets on 127.0.0.1)", () => {
  it("bans a TCP attacker at once, naming the contact as the cause", async () => {
    const port = await freeTcpPort()
    running = await startSensor([{ name: "telnet", port, publicPort: 23, transport: "tcp", plugin: "banner" }], bansConfig(), { bans: true })
    const c = await tcp(port)
    await c.until("Debian")
    c.close()
    const issued = await eventually(async () => (await running!.events()).find((e) => e.event._tag === "BanIssued"), 5000, "BanIssued")
    const opened = (await running.events()).find((e) => e.event._tag === "ContactOpened")!
    expect(issued.stream).toBe("attacker-127.0.0.1")
    expect(issued.event).toMatchObject({ prefix: "127.0.0.1/32", offense: 1, ttlSeconds: 3600, rule: "tcp-contact", service: "telnet" })
    expect(issued.meta.causationId).toBe(opened.eventId)
    expect(issued.meta.correlationId).toBe(opened.meta.correlationId)
    // a second contact while banned decides nothing
    const again = await tcp(port)
    again.close()
    await sleep(300)
    expect((await running.events()).filter((e) => e.event._tag === "BanIssued")).toHaveLength(1)
  })

  it("does not ban an unverified UDP source; records why", async () => {
    const port = await freeUdpPort()
    running = await startSensor([{ name: "udp-echo", port, transport: "udp", plugin: "echo" }], bansConfig(), { bans: true })
    await udp(port, "hello")
    const suppressed = await eventually(async () => (await running!.events()).find((e) => e.event._tag === "BanSuppressed"), 5000, "BanSuppressed")
    expect(suppressed.event).toMatchObject({ reason: "unverified-udp", prefix: "127.0.0.1/32" })
    expect((await running.events()).some((e) => e.event._tag === "BanIssued")).toBe(false)
  })

  it("expires a ban at its TTL and escalates the next one", async () => {
    const port = await freeTcpPort()
    running = await startSensor([{ name: "echo", port, transport: "tcp", plugin: "echo" }], bansConfig({ ttl: "1s", escalation: 3 }), { bans: true })
    ;(await tcp(port)).close()
    const expired = await eventually(async () => (await running!.events()).find((e) => e.event._tag === "BanExpired"), 6000, "BanExpired")
    const issued = (await running.events()).find((e) => e.event._tag === "BanIssued")!
    expect(expired.meta.causationId).toBe(issued.eventId)
    const lag = expired.meta.at.getTime() - (issued.event as { expiresAt: Date }).expiresAt.getTime()
    expect(lag).toBeGreaterThanOrEqual(0)
    expect(lag).toBeLessThan(1000)
    ;(await tcp(port)).close()
    const second = await eventually(async () => {
      const all = (await running!.events()).filter((e) => e.event._tag === "BanIssued")
      return all.length === 2 ? all[1] : undefined
    }, 5000, "a second BanIssued")
    expect(second.event).toMatchObject({ offense: 2, ttlSeconds: 3 })
  })

  it("lifts active bans when their address is allowlisted, and suppresses later contacts", async () => {
    const port = await freeTcpPort()
    running = await startSensor([{ name: "echo", port, transport: "tcp", plugin: "echo" }], bansConfig(), { bans: true })
    ;(await tcp(port)).close()
    await eventually(async () => (await running!.events()).find((e) => e.event._tag === "BanIssued"), 5000, "BanIssued")
    await running.runtime.runPromise(Effect.flatMap(EventStore, (store) => changeAllowlist(store, "add", "127.0.0.0/8", "lab", "tester")))
    const lifted = await eventually(async () => (await running!.events()).find((e) => e.event._tag === "BanLifted"), 5000, "BanLifted")
    expect(lifted.event).toMatchObject({ prefix: "127.0.0.1/32", reason: "allowlisted (127.0.0.0/8)", by: "allowlist" })
    ;(await tcp(port)).close()
    const suppressed = await eventually(async () => (await running!.events()).find((e) => e.event._tag === "BanSuppressed"), 5000, "BanSuppressed")
    expect(suppressed.event).toMatchObject({ reason: "allowlisted", detail: "in 127.0.0.0/8" })
  })
})
