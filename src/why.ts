/** Loads the evidence `why <ip>` explains: the attacker's stream and the BGP route events. */
import { Chunk, Effect, Either, Stream } from "effect"
import { EventStore } from "../domain/EventStore.js"
import type { EventStoreError } from "../domain/EventStore.js"
import { decodeRecorded } from "../domain/events/index.js"
import type { DecodedEvent, RecordedEvent } from "../domain/events/index.js"
import { canonicalIp } from "../domain/ip.js"
import { StreamName } from "../domain/streams.js"
import { explain } from "../domain/why.js"
import type { WhyReport } from "../domain/why.js"

export class NotAnIp extends Error {
  readonly _tag = "NotAnIp"
}

const decodeAll = (records: ReadonlyArray<RecordedEvent>): ReadonlyArray<DecodedEvent> =>
  records.flatMap((r) => {
    const d = decodeRecorded(r)
    return Either.isRight(d) ? [d.right] : []
  })

export const why = (input: string): Effect.Effect<WhyReport, NotAnIp | EventStoreError, EventStore> =>
  Effect.gen(function* () {
    const ip = canonicalIp(input)
    if (ip === null) return yield* Effect.fail(new NotAnIp(`not an IP address: ${JSON.stringify(input)}`))
    const store = yield* EventStore
    const stream = StreamName.attacker(ip)
    const attacker = Chunk.toReadonlyArray(yield* Stream.runCollect(store.readStream(stream)))
    const hostLength = ip.includes(":") ? 128 : 32
    const prefix = `${ip}/${hostLength}`
    // route batches mentioning the prefix, from every peer's stream
    const routes = attacker.some((r) => r.type === "BanIssued")
      ? Chunk.toReadonlyArray(
          yield* Stream.runCollect(
            store.readAll({ filter: { kind: "stream", prefixes: ["bgp-"] } }).pipe(
              Stream.filter((r) => (r.type === "RoutesAnnounced" || r.type === "RoutesWithdrawn") && JSON.stringify(r.data).includes(`"${prefix}"`))
            )
          )
        )
      : []
    return explain(ip, stream, decodeAll(attacker), decodeAll(routes), new Date())
  })

/** Plain-text rendering for the terminal. */
export const renderWhy = (r: WhyReport): string => {
  const lines: Array<string> = [`${r.ip}: ${r.verdict}`]
  const c = r.contacts
  if (c.count > 0) {
    lines.push(``, `contacts: ${c.count} (${Object.entries(c.byService).map(([s, n]) => `${s} ${n}`).join(", ")})`)
    if (c.first) lines.push(`  first ${c.first.at}  ${c.first.service} ${c.first.transport}/${c.first.port} via ${c.first.sensor}`)
    if (c.last && c.last !== c.first) lines.push(`  last  ${c.last.at}  ${c.last.service} ${c.last.transport}/${c.last.port} via ${c.last.sensor}`)
    lines.push(`  payloads: ${r.payloads.received} received (${r.payloads.bytesIn} bytes), ${r.payloads.sent} sent`)
    for (const s of r.payloads.samples) lines.push(`    ${s.at} ${s.service}: ${JSON.stringify(s.text.slice(0, 80))}`)
  }
  if (r.credentials.length > 0) {
    lines.push(``, `credentials tried:`)
    for (const k of r.credentials) lines.push(`  ${k.at}  ${k.service} ${k.method}  ${k.username} / ${k.password ?? "(hashed or none)"}`)
  }
  for (const v of r.verified) lines.push(`verified ${v.at}: ${v.proof} (${v.service})`)
  for (const b of r.bans) {
    lines.push(``, `ban ${b.banId} — offense ${b.offense}, ${b.rule}${b.by ? ` by ${b.by}` : ""}`)
    lines.push(`  issued ${b.issuedAt}, expires ${b.expiresAt}; ttl ${b.ttl}`)
    if (b.cause) lines.push(`  caused by ${b.cause.type} ${b.cause.eventId} (${b.cause.service ?? "-"}) at ${b.cause.at}`)
    lines.push(`  checks: ${b.checks.map((k) => `${k.check} ${k.passed ? "ok" : `FAILED (${k.detail ?? ""})`}`).join("; ")}`)
    for (const route of b.routes) lines.push(`  route at ${route.peer}: announced ${route.announcedAt}${route.withdrawnAt ? `, withdrawn ${route.withdrawnAt}` : ", still announced"}`)
    if (b.ended) lines.push(`  ${b.ended.how} ${b.ended.at}${b.ended.reason ? `: ${b.ended.reason}` : ""}${b.ended.by ? ` (by ${b.ended.by})` : ""}`)
  }
  if (r.suppressions.length > 0) {
    lines.push(``, `not banned because:`)
    for (const s of r.suppressions) lines.push(`  ${s.at}  ${s.reason}: ${s.detail}`)
  }
  return lines.join("\n")
}
