/**
 * Passive mode over real TCP: the speaker listens on its local address and the
 * peer (real BIRD 2, configured to connect) dials in; connections from addresses
 * that are not configured peers are closed at once.
 */
import * as Net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freeTcpPort } from "../support/free-port.js"
import { requirePeer } from "../support/peers.js"
import { waitUntil } from "../support/process.js"
import { startPeer } from "./support/daemons.js"
import type { BgpPeerDaemon } from "./support/daemons.js"
import { startSpeaker } from "./support/liveSpeaker.js"
import type { LiveSpeaker } from "./support/liveSpeaker.js"

const bird = requirePeer({ name: "BGP speaker passive mode vs bird", binaries: ["bird", "birdc"], debPackages: ["bird2"] })

describe.skipIf(!bird.available)("BGP speaker in passive mode vs real bird (integration, loopback)", () => {
  const speakerAddress = "127.0.14.2"
  let peer: BgpPeerDaemon
  let speaker: LiveSpeaker
  let listenPort = 0

  beforeAll(async () => {
    listenPort = await freeTcpPort()
    speaker = await startSpeaker({
      localAs: 65000,
      routerId: "192.0.2.10",
      nextHop: { ipv4: "192.0.2.1", ipv6: "100::1" },
      communities: ["65000:666"],
      peers: [{ name: "dialer", address: "127.0.14.1", port: listenPort, peerAs: 65000, localAddress: speakerAddress, passive: true }],
      reconnect: { base: "100 millis", cap: "1 second" }
    }, ["203.0.113.77/32", "2001:db8::77/128"])
    peer = await startPeer("bird", {
      listen: "127.0.14.1",
      port: await freeTcpPort(),
      localAs: 65000,
      peerAddress: speakerAddress,
      peerAs: 65000,
      active: { peerPort: listenPort }
    })
  })

  afterAll(async () => {
    await speaker?.close()
    await peer?.stop()
  })

  it("waits in Active, accepts the configured peer, and syncs the table", async () => {
    await waitUntil(async () => (await peer.routes()).length === 2, { description: "BIRD to connect and import 2 routes", timeoutMs: 20_000, daemon: peer.daemon() })
    expect((await peer.routes()).map((r) => r.prefix).sort()).toEqual(["2001:db8::77/128", "203.0.113.77/32"])
    expect(await speaker.peerStatus("dialer")).toMatchObject({ state: "Established", passive: true, routesAnnounced: 2 })
  })

  it("closes connections from addresses that are not its peers", async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const socket = Net.connect({ host: speakerAddress, port: listenPort, localAddress: "127.0.14.9" })
      socket.on("error", () => resolve(true))
      socket.on("close", () => resolve(true))
      socket.on("data", () => resolve(false))
      setTimeout(() => resolve(false), 3000)
    })
    expect(closed).toBe(true)
    expect((await speaker.peerStatus("dialer")).state).toBe("Established")
  })
})
