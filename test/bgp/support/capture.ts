/**
 * Records the bytes real BIRD, GoBGP and FRR send to a BGP speaker, as fixtures
 * for the codec tests (test/bgp/fixtures/captured-<peer>.json). Run by hand:
 *
 *   npx tsx test/bgp/support/capture.ts
 *
 * Each peer runs in capture mode (it announces 198.51.100.0/24 and
 * 2001:db8:1::/48 to us), gets our OPEN and a KEEPALIVE, then a ROUTE-REFRESH per
 * family (it resends its routes), and finally shuts the session down
 * (NOTIFICATION Cease). `npx tsx test/bgp/support/capture.ts gobgp` redoes one peer.
 */
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Either } from "effect"
import { makeFramer } from "../../../adapters/bgp/codec/framer.js"
import { encode as encodeOpen } from "../../../adapters/bgp/codec/open.js"
import { encode as encodeRouteRefresh } from "../../../adapters/bgp/codec/routeRefresh.js"
import { KEEPALIVE } from "../../../adapters/bgp/codec/message.js"
import { localOpen } from "../../../adapters/bgp/session/Negotiate.js"
import { freeTcpPort } from "../../support/free-port.js"
import { run, startPeer } from "./daemons.js"
import type { PeerKind } from "./daemons.js"

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const capture = async (kind: PeerKind, listen: string, speaker: string, peerAs: number) => {
  const port = await freeTcpPort()
  const peer = await startPeer(kind, { listen, port, localAs: 65001, peerAddress: speaker, peerAs, announce: true })
  if (kind === "gobgp") {
    const gobgp = (...args: Array<string>) => run("gobgp", ["--target", `unix://${Path.join(peer.options.dir, "gobgp.sock")}`, ...args])
    await gobgp("global", "rib", "add", "198.51.100.0/24", "community", "65001:100", "-a", "ipv4")
    await gobgp("global", "rib", "add", "2001:db8:1::/48", "-a", "ipv6")
  }
  const frames: Array<{ readonly note: string; readonly hex: string }> = []
  let phase = "session"
  const framer = makeFramer()
  const socket = Net.connect({ host: listen, port, localAddress: speaker })
  socket.on("data", (chunk: Buffer) => {
    const cut = framer.push(chunk)
    if (Either.isLeft(cut)) throw cut.left
    for (const f of cut.right) frames.push({ note: `${phase}: type ${f[18]}`, hex: Buffer.from(f).toString("hex") })
  })
  socket.on("error", () => {})
  await new Promise((r) => socket.once("connect", r))
  socket.write(encodeOpen(localOpen({ localAs: peerAs, routerId: "192.0.2.10", holdTime: 90, families: [4, 6] })))
  await sleep(300)
  socket.write(KEEPALIVE)
  await sleep(kind === "bird" ? 1500 : 4000)
  phase = "after route refresh"
  socket.write(encodeRouteRefresh({ afi: 1, safi: 1, subtype: 0 }))
  socket.write(encodeRouteRefresh({ afi: 2, safi: 1, subtype: 0 }))
  await sleep(1500)
  phase = "peer shutdown"
  if (kind === "bird") await run("birdc", ["-s", Path.join(peer.options.dir, "bird.ctl"), "disable", "peer1"])
  if (kind === "gobgp") await run("gobgp", ["--target", `unix://${Path.join(peer.options.dir, "gobgp.sock")}`, "neighbor", speaker, "disable"])
  if (kind === "frr") {
    await run("vtysh", ["--vty_socket", peer.options.dir, "--config_dir", peer.options.dir, "-d", "bgpd",
      "-c", "configure terminal", "-c", "router bgp 65001", "-c", `neighbor ${speaker} shutdown`])
  }
  await sleep(1000)
  socket.destroy()
  await peer.stop()
  Fs.writeFileSync(Path.join(fixtures, `captured-${kind}.json`), `${JSON.stringify({ peer: kind, version: await version(kind), frames }, null, 1)}\n`)
  console.log(`${kind}: ${frames.length} messages: ${frames.map((f) => f.note).join(", ")}`)
}

const version = async (kind: PeerKind) => {
  const pkg = { bird: "bird2", gobgp: "gobgpd", frr: "frr" }[kind]
  return (await run("dpkg-query", ["-W", "-f=${Package} ${Version}", pkg])).trim()
}

const only = process.argv.slice(2)
const wanted = (kind: PeerKind) => only.length === 0 || only.includes(kind)
if (wanted("bird")) await capture("bird", "127.0.8.1", "127.0.8.2", 65002)
if (wanted("gobgp")) await capture("gobgp", "127.0.8.3", "127.0.8.2", 65002)
if (wanted("frr")) await capture("frr", "127.0.8.4", "127.0.8.2", 65002)
