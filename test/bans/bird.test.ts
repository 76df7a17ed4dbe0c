/**
 * The whole blocking loop against a real BIRD 2 (started by the test on 127.0.1.x,
 * no kernel protocol): an attacker's contact → its /32 with the blackhole communities
 * is in BIRD's RIB → lifted → withdrawn; `why` tells when BIRD got it; BIRD restarted →
 * exact re-sync.
 */
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { ContactOpened, envelope } from "../../domain/events/index.js"
import { EventSink } from "../../src/sensor/EventSink.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { liftBan } from "../../src/bans/commands.js"
import { EventStore } from "../../domain/EventStore.js"
import { why } from "../../src/why.js"
import { startPeer } from "../bgp/support/daemons.js"
import type { BgpPeerDaemon } from "../bgp/support/daemons.js"
import { eventually, tcp } from "../support/converse.js"
import { freeTcpPort } from "../support/free-port.js"
import { requirePeer } from "../support/peers.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"

const bird = requirePeer({ name: "blocking loop vs BIRD 2", binaries: ["bird", "birdc"], debPackages: ["bird2"] })

describe.skipIf(!bird.available)("blocking loop end to end with a real BIRD 2", () => {
  let peer: BgpPeerDaemon
  let running: RunningSensor
  let sensorPort: number

  beforeAll(async () => {
    const port = await freeTcpPort()
    peer = await startPeer("bird", { listen: "127.0.1.1", port, localAs: 65010, peerAddress: "127.0.1.2", peerAs: 65000 })
    sensorPort = await freeTcpPort()
    running = await startSensor(
      [{ name: "telnet", port: sensorPort, publicPort: 23, transport: "tcp", plugin: "telnet" }],
      {
        bans: { neverBan: ["127.0.0.0/8"], ttl: "1h" },
        bgp: {
          localAs: 65000,
          routerId: "192.0.2.10",
          communities: ["65000:666", "65535:666", "no-export"],
          peers: [{ name: "bird1", address: "127.0.1.1", port, peerAs: 65010, localAddress: "127.0.1.2" }]
        }
      },
      { bgp: true }
    )
    await eventually(() => peer.established().then((up) => (up ? true : undefined)), 15_000, "BIRD session up")
  })
  afterAll(async () => {
    await running?.stop()
    await peer?.stop()
  })

  // BIRD ignores 127.0.0.0/8 as a bogus route, and tests may only talk over loopback: so the
  // contact is recorded as the sensor would record a remote attacker (documentation range),
  // through the same event sink; everything after it is the real pipeline.
  const contact = (ip: string) =>
    running.runtime.runPromise(
      Effect.flatMap(EventSink, (sink) =>
        Effect.sync(() =>
          sink.record(
            `attacker-${ip}`,
            envelope(
              new ContactOpened({ sessionId: randomUUID(), sensor: "test-sensor", service: "telnet", plugin: "telnet", transport: "tcp", sourceIp: ip, sourcePort: 40000, localIp: "127.0.0.1", localPort: sensorPort, publicPort: 23 }),
              { eventId: randomUUID(), at: new Date() }
            )
          )
        )
      )
    )

  it("puts the attacker's /32 with the blackhole communities into BIRD within milliseconds, and withdraws it on lift", async () => {
    const started = Date.now()
    await contact("203.0.113.50")
    const route = await eventually(async () => (await peer.routes()).find((r) => r.prefix === "203.0.113.50/32"), 5000, "the route in BIRD")
    const latency = Date.now() - started
    expect(route.nextHop).toBe("192.0.2.1")
    expect(route.communities).toEqual(expect.arrayContaining(["65000:666", "65535:666", "65535:65281"]))
    expect(route.asPath).toEqual([65000])
    console.info(`contact recorded → route in BIRD's RIB: ${latency} ms (includes birdc polling)`)

    await running.runtime.runPromise(Effect.flatMap(EventStore, (store) => liftBan(store, "203.0.113.50", "test over", "tester")))
    await eventually(async () => ((await peer.routes()).some((r) => r.prefix === "203.0.113.50/32") ? undefined : true), 5000, "the route withdrawn")

    const report = await running.runtime.runPromise(why("203.0.113.50"))
    expect(report.bans[0]).toMatchObject({ ended: { how: "lifted", by: "tester" } })
    expect(report.bans[0]!.routes).toEqual([expect.objectContaining({ peer: "bird1", withdrawnAt: expect.any(String) })])
    const sessions = (await running.allEvents()).filter((e) => e.stream === "bgp-bird1").map((e) => e.event._tag)
    expect(sessions).toEqual(expect.arrayContaining(["PeerSessionEstablished", "RoutesAnnounced", "RoutesWithdrawn"]))
  })

  it("re-syncs the whole table after BIRD is killed and restarted: nothing missing, nothing stale", async () => {
    for (const ip of ["203.0.113.61", "203.0.113.62", "2001:db8::63"]) await contact(ip)
    await eventually(async () => ((await peer.routes()).length === 3 ? true : undefined), 5000, "3 routes")
    await peer.kill()
    await running.runtime.runPromise(Effect.flatMap(EventStore, (store) => liftBan(store, "203.0.113.62", "while BIRD was down", "tester")))
    await contact("203.0.113.64")
    await peer.start()
    const prefixes = await eventually(async () => {
      const routes = (await peer.routes()).map((r) => r.prefix).sort()
      return routes.length === 3 ? routes : undefined
    }, 15_000, "the re-synced table")
    expect(prefixes).toEqual(["2001:db8::63/128", "203.0.113.61/32", "203.0.113.64/32"])
    const v6 = (await peer.routes()).find((r) => r.prefix === "2001:db8::63/128")
    expect(v6?.nextHop).toBe("100::1")
  })
})
