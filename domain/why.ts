/**
 * `why <ip>`: the story of one address, folded from its events — contacts, credentials,
 * each ban with its rule, TTL computation, checks and cause, when each BGP peer got and
 * lost the route, lifts and expiries; for an address never banned, why not.
 */
import type { DecodedEvent } from "./events/index.js"

export interface ContactSummary {
  readonly at: string
  readonly service: string
  readonly transport: string
  readonly port: number
  readonly sensor: string
  readonly sessionId: string
}

export interface BanStory {
  readonly banId: string
  readonly prefix: string
  readonly issuedAt: string
  readonly expiresAt: string
  readonly offense: number
  readonly rule: string
  readonly ttl: string
  readonly by: string | null
  readonly checks: ReadonlyArray<{ readonly check: string; readonly passed: boolean; readonly detail?: string | undefined }>
  readonly cause: { readonly eventId: string; readonly type: string; readonly service: string | null; readonly at: string } | null
  readonly ended: { readonly how: "expired" | "lifted"; readonly at: string; readonly reason: string | null; readonly by: string | null } | null
  readonly routes: Array<{ peer: string; announcedAt: string; withdrawnAt: string | null }>
}

export interface WhyReport {
  readonly ip: string
  readonly stream: string
  readonly verdict: string
  readonly contacts: {
    readonly count: number
    readonly first: ContactSummary | null
    readonly last: ContactSummary | null
    readonly byService: Readonly<Record<string, number>>
  }
  readonly credentials: ReadonlyArray<{ readonly at: string; readonly service: string; readonly username: string; readonly password: string | null; readonly method: string }>
  readonly payloads: { readonly received: number; readonly sent: number; readonly bytesIn: number; readonly samples: ReadonlyArray<{ readonly at: string; readonly service: string; readonly text: string }> }
  readonly verified: ReadonlyArray<{ readonly at: string; readonly proof: string; readonly service: string }>
  readonly bans: ReadonlyArray<BanStory>
  readonly suppressions: ReadonlyArray<{ readonly at: string; readonly reason: string; readonly detail: string }>
}

const maxCredentials = 20
const maxSamples = 5

/** `attacker`: the attacker stream in order; `routes`: RoutesAnnounced/Withdrawn of every peer, in order. */
export const explain = (ip: string, stream: string, attacker: ReadonlyArray<DecodedEvent>, routes: ReadonlyArray<DecodedEvent>, now: Date): WhyReport => {
  const byId = new Map(attacker.map((e) => [e.eventId, e]))
  const byService: Record<string, number> = {}
  let first: ContactSummary | null = null
  let last: ContactSummary | null = null
  let count = 0
  const credentials: Array<WhyReport["credentials"][number]> = []
  const samples: Array<WhyReport["payloads"]["samples"][number]> = []
  let received = 0
  let sent = 0
  let bytesIn = 0
  const verified: Array<WhyReport["verified"][number]> = []
  const bans: Array<BanStory> = []
  const suppressions: Array<WhyReport["suppressions"][number]> = []

  for (const d of attacker) {
    const at = d.meta.at.toISOString()
    const e = d.event
    switch (e._tag) {
      case "ContactOpened": {
        const c = { at, service: e.service, transport: e.transport, port: e.publicPort, sensor: e.sensor, sessionId: e.sessionId }
        first ??= c
        last = c
        count++
        byService[e.service] = (byService[e.service] ?? 0) + 1
        break
      }
      case "PayloadReceived":
        received++
        bytesIn += e.length
        if (samples.length < maxSamples && e.text.trim() !== "") samples.push({ at, service: e.service, text: e.text.slice(0, 200) })
        break
      case "PayloadSent":
        sent++
        break
      case "CredentialsTried":
        if (credentials.length < maxCredentials) credentials.push({ at, service: e.service, username: e.username, password: e.password, method: e.method })
        break
      case "ContactVerified":
        verified.push({ at, proof: e.proof, service: e.service })
        break
      case "BanIssued": {
        const cause = d.meta.causationId === null ? undefined : byId.get(d.meta.causationId)
        bans.push({
          banId: e.banId,
          prefix: e.prefix,
          issuedAt: e.issuedAt.toISOString(),
          expiresAt: e.expiresAt.toISOString(),
          offense: e.offense,
          rule: e.rule,
          ttl: e.ttl.formula,
          by: e.by ?? null,
          checks: e.checks,
          cause:
            cause === undefined
              ? null
              : { eventId: cause.eventId, type: cause.event._tag, service: "service" in cause.event ? String(cause.event.service) : null, at: cause.meta.at.toISOString() },
          ended: null,
          routes: []
        })
        break
      }
      case "BanExpired":
      case "BanLifted": {
        const i = bans.findIndex((b) => b.banId === e.banId)
        if (i >= 0) {
          bans[i] = {
            ...bans[i]!,
            ended: e._tag === "BanExpired" ? { how: "expired", at, reason: null, by: null } : { how: "lifted", at, reason: e.reason, by: e.by }
          }
        }
        break
      }
      case "BanSuppressed":
        suppressions.push({ at, reason: e.reason, detail: e.detail })
        break
      default:
        break
    }
  }

  // routes: a ban's prefix announced to a peer after it was issued, withdrawn after that
  for (const d of routes) {
    const e = d.event
    if (e._tag !== "RoutesAnnounced" && e._tag !== "RoutesWithdrawn") continue
    const at = d.meta.at.toISOString()
    for (const ban of bans) {
      if (!e.prefixes.includes(ban.prefix) || at < ban.issuedAt) continue
      const open = ban.routes.find((r) => r.peer === e.peer && r.withdrawnAt === null)
      if (e._tag === "RoutesAnnounced" && open === undefined && (ban.ended === null || at <= ban.ended.at)) ban.routes.push({ peer: e.peer, announcedAt: at, withdrawnAt: null })
      if (e._tag === "RoutesWithdrawn" && open !== undefined) open.withdrawnAt = at
    }
  }

  const active = bans.find((b) => b.ended === null && b.expiresAt > now.toISOString())
  const verdict =
    active !== undefined
      ? `banned until ${active.expiresAt} (offense ${active.offense}, ${active.rule})`
      : bans.length > 0
        ? `not banned now; banned ${bans.length} time${bans.length === 1 ? "" : "s"} before`
        : suppressions.length > 0
          ? `never banned: ${[...new Set(suppressions.map((s) => s.reason))].join(", ")}`
          : count > 0
            ? "seen, never banned (no decision recorded)"
            : "never seen by the sensor"
  return {
    ip,
    stream,
    verdict,
    contacts: { count, first, last, byService },
    credentials,
    payloads: { received, sent, bytesIn, samples },
    verified,
    bans,
    suppressions
  }
}
