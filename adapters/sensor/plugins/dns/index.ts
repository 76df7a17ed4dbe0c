/**
 * `dns` over UDP and TCP (RFC 1035 §4.2). Over UDP each answer must fit the reply
 * budget of the listener (reply bytes ≤ replyRatio × request bytes); what does not fit
 * goes out with TC=1 and no records, and the question is remembered: the same source
 * asking it again over TCP proves it receives our replies (ContactVerified
 * "dns-tcp-retry"). Over TCP messages carry a 2-byte length prefix.
 *
 * Options: replyRatio (2 — keep it ≤ sensor.limits.udp.replyRatio, or answers the plugin
 * thinks fit get withheld by the listener instead of truncated), ttl (300), salt ("",
 * varies the addresses per deployment), version (answer to version.bind; null refuses),
 * nxdomain (extra suffixes that do not exist), maxTcpMessage (4096).
 */
import type { DatagramPlugin, Facts, PluginEntry, SessionContext, Step, StreamPlugin } from "../../Plugin.js"
import { optionNumber } from "../../Plugin.js"
import { answer } from "./answer.js"
import type { AnswerOptions } from "./answer.js"
import { LengthPrefixFramer } from "./framer.js"
import { truncationMemory } from "./truncations.js"

const answerOptions = (ctx: SessionContext, udpBudget: number | null): AnswerOptions => {
  const version = ctx.options["version"]
  const nxdomain = ctx.options["nxdomain"]
  return {
    udpBudget,
    salt: typeof ctx.options["salt"] === "string" ? ctx.options["salt"] : "",
    ttl: optionNumber(ctx, "ttl", 300),
    version: version === null ? null : typeof version === "string" ? version : "9.18.28-1~deb12u2-Debian",
    nxdomain: Array.isArray(nxdomain) ? nxdomain.filter((s): s is string => typeof s === "string") : []
  }
}

/** pipelined queries described per event; the rest are counted */
const maxQueryFacts = 32

const scope = (ctx: SessionContext) => `${ctx.sensor}/${ctx.service}`

const dnsUdp: DatagramPlugin = {
  kind: "datagram",
  name: "dns",
  session: (ctx) => {
    const memory = truncationMemory(scope(ctx))
    const ratio = optionNumber(ctx, "replyRatio", 2)
    return {
      datagram: (packet): Step => {
        const exchange = answer(packet, answerOptions(ctx, Math.floor(ratio * packet.length)))
        if (exchange.truncated && exchange.question !== null) memory.remember(ctx.remote.ip, exchange.question.qname, exchange.question.qtype)
        return {
          facts: exchange.facts,
          sentFacts: exchange.sentFacts,
          ...(exchange.reply === null ? {} : { send: [exchange.reply] })
        }
      }
    }
  }
}

const dnsTcp: StreamPlugin = {
  kind: "stream",
  name: "dns",
  session: (ctx) => {
    const memory = truncationMemory(scope(ctx))
    const framer = new LengthPrefixFramer(optionNumber(ctx, "maxTcpMessage", 4096))
    const options = answerOptions(ctx, null)
    return {
      open: () => ({}),
      data: (chunk): Step => {
        const { messages, oversize } = framer.push(chunk)
        const send: Array<Uint8Array> = []
        const queries: Array<Facts> = []
        const answers: Array<Facts> = []
        let verified = false
        for (const message of messages) {
          const exchange = answer(message, options)
          const retry = exchange.question !== null && memory.retried(ctx.remote.ip, exchange.question.qname, exchange.question.qtype)
          // the proof is also a fact, so the PayloadReceived shows which query carried it
          queries.push(retry ? { ...exchange.facts, proof: "dns-tcp-retry" } : exchange.facts)
          verified ||= retry
          if (exchange.reply !== null) {
            send.push(LengthPrefixFramer.frame(exchange.reply))
            answers.push(exchange.sentFacts)
          }
        }
        // one chunk may carry several pipelined queries (RFC 7766 §6.2.1)
        const facts: Facts | undefined = queries.length <= 1 ? queries[0] : { queries: queries.slice(0, maxQueryFacts), count: queries.length }
        return {
          send,
          ...(facts === undefined ? {} : { facts }),
          // every framed reply of this chunk is recorded with the same facts
          ...(answers.length === 1 && answers[0] !== undefined ? { sentFacts: answers[0] } : {}),
          ...(verified ? { verified: "dns-tcp-retry" as const } : {}),
          ...(oversize === null ? {} : { close: `oversize message (${oversize} bytes)` })
        }
      }
    }
  }
}

export const dns: PluginEntry = {
  udp: dnsUdp,
  tcp: dnsTcp,
  description: "DNS resolver look-alike: stable documentation-space A/AAAA, minimal ANY, TC=1 over budget, TCP retry as proof"
}
