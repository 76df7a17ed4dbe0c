/** The generic plugins of the seed's HoneyPy setup: echo, banner (motd) and random, TCP and UDP. */
import { randomBytes } from "node:crypto"
import { optionNumber, optionString } from "../Plugin.js"
import type { DatagramPlugin, PluginEntry, SessionContext, StreamPlugin } from "../Plugin.js"

const echoTcp: StreamPlugin = {
  kind: "stream",
  name: "echo",
  session: () => ({ open: () => ({}), data: (chunk) => ({ send: [chunk] }) })
}

/** UDP echo never answers with more than it got (the listener's reply budget also enforces it). */
const echoUdp: DatagramPlugin = {
  kind: "datagram",
  name: "echo",
  session: () => ({ datagram: (packet) => ({ send: [packet] }) })
}

const bannerText = (ctx: SessionContext) =>
  optionString(ctx, "text", "Debian GNU/Linux 12\r\n\r\nAuthorized access only. All activity is logged.\r\n")

const bannerTcp: StreamPlugin = {
  kind: "stream",
  name: "banner",
  session: (ctx) => ({ open: () => ({ send: [bannerText(ctx)] }), data: () => ({}) })
}

const bannerUdp: DatagramPlugin = {
  kind: "datagram",
  name: "banner",
  session: (ctx) => ({ datagram: () => ({ send: [bannerText(ctx)] }) })
}

const randomTcp: StreamPlugin = {
  kind: "stream",
  name: "random",
  session: (ctx) => ({
    open: () => ({ send: [randomBytes(optionNumber(ctx, "bytes", 64))] }),
    data: () => ({ send: [randomBytes(optionNumber(ctx, "bytes", 64))] })
  })
}

const randomUdp: DatagramPlugin = {
  kind: "datagram",
  name: "random",
  session: (ctx) => ({ datagram: (packet) => ({ send: [randomBytes(Math.min(packet.length, optionNumber(ctx, "bytes", 64)))] }) })
}

export const echo: PluginEntry = { tcp: echoTcp, udp: echoUdp, description: "echoes what it receives" }
export const banner: PluginEntry = { tcp: bannerTcp, udp: bannerUdp, description: "sends a banner (motd), text configurable" }
export const random: PluginEntry = { tcp: randomTcp, udp: randomUdp, description: "answers random bytes" }
