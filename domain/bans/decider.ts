/**
 * The ban decider: pure. From an attacker's history (folded with `evolve`) and one
 * contact, `decide` answers BanIssued, BanSuppressed (with the reason), or nothing
 * (already banned, or the same suppression was recorded recently). Time, ids, the
 * allowlist and global counters arrive as arguments.
 */
import { BanIssued, BanSuppressed } from "../events/index.js"
import type { DomainEvent } from "../events/index.js"
import { findContaining, hostPrefix } from "../cidr.js"
import type { Cidr } from "../cidr.js"
import { formatIp, parseIp } from "../ip.js"
import { computeTtl } from "./policy.js"
import type { BanPolicy } from "./policy.js"

export type SuppressionReason = BanSuppressed["reason"]

export interface AttackerState {
  /** bans ever issued to this address (across sensors and restarts) */
  readonly offenses: number
  readonly active: { readonly banId: string; readonly prefix: string; readonly expiresAt: Date } | null
  /** proved it receives our replies (a UDP proof, or any TCP contact) */
  readonly verified: boolean
  readonly lastSuppressed: Readonly<Partial<Record<SuppressionReason, number>>>
}

export const initialState: AttackerState = { offenses: 0, active: null, verified: false, lastSuppressed: {} }

export const evolve = (state: AttackerState, event: DomainEvent, at: Date): AttackerState => {
  switch (event._tag) {
    case "BanIssued":
      return { ...state, offenses: Math.max(state.offenses, event.offense), active: { banId: event.banId, prefix: event.prefix, expiresAt: event.expiresAt } }
    case "BanExpired":
    case "BanLifted":
      return state.active?.banId === event.banId ? { ...state, active: null } : state
    case "BanSuppressed":
      return { ...state, lastSuppressed: { ...state.lastSuppressed, [event.reason]: at.getTime() } }
    case "ContactVerified":
      return { ...state, verified: true }
    case "ContactOpened":
      return event.transport === "tcp" ? { ...state, verified: true } : state
    default:
      return state
  }
}

export interface Contact {
  /** the event that triggers the decision: its id becomes the ban's causation */
  readonly triggerEventId: string
  readonly trigger: "ContactOpened" | "ContactVerified"
  readonly ip: string
  readonly transport: "tcp" | "udp"
  readonly service: string
  readonly now: Date
  readonly banId: string
  /** active allowlist entries (config seed + allowlist stream) */
  readonly allowlist: ReadonlyArray<Cidr>
  readonly activeBans: number
  readonly bansLastMinute: number
}

type Check = { readonly check: string; readonly passed: boolean; readonly detail?: string }

const inRanges = (name: string, ranges: ReadonlyArray<Cidr>, ip: ReturnType<typeof parseIp> & object): Check => {
  const hit = findContaining(ranges, ip)
  return hit === undefined ? { check: name, passed: true } : { check: name, passed: false, detail: `in ${hit.text}` }
}

export const decide = (contact: Contact, state: AttackerState, policy: BanPolicy): ReadonlyArray<BanIssued | BanSuppressed> => {
  if (state.active !== null && state.active.expiresAt.getTime() > contact.now.getTime()) return []
  const ip = parseIp(contact.ip)
  if (ip === null) return []
  const prefix = hostPrefix(ip)
  const verified = state.verified || contact.trigger === "ContactVerified" || contact.transport === "tcp"

  const steps: ReadonlyArray<readonly [SuppressionReason, () => Check]> = [
    ["protected-range", () => inRanges("protected-range", policy.neverBan, ip)],
    ["own-network", () => inRanges("own-network", policy.ownNetworks, ip)],
    ["peer-address", () => {
      const hit = policy.infrastructure.find((i) => findContaining([i.cidr], ip) !== undefined)
      return hit === undefined ? { check: "peer-address", passed: true } : { check: "peer-address", passed: false, detail: `${hit.role} ${hit.cidr.text}` }
    }],
    ["allowlisted", () => inRanges("allowlist", contact.allowlist, ip)],
    ["unverified-udp", () =>
      policy.udp === "any" || verified
        ? { check: "udp-verified", passed: true, detail: policy.udp === "any" ? "policy udp: any" : contact.transport === "tcp" ? "tcp" : "proved it receives replies" }
        : { check: "udp-verified", passed: false, detail: "UDP source has not proved it receives our replies (possibly spoofed)" }],
    ["cap-reached", () =>
      contact.activeBans < policy.maxActive
        ? { check: "max-active", passed: true }
        : { check: "max-active", passed: false, detail: `${contact.activeBans} active bans, max ${policy.maxActive}` }],
    ["breaker-open", () =>
      contact.bansLastMinute < policy.breakerMaxPerMinute
        ? { check: "ban-rate", passed: true }
        : { check: "ban-rate", passed: false, detail: `${contact.bansLastMinute} bans in the last minute, max ${policy.breakerMaxPerMinute}` }],
    ["dry-run", () => (policy.dryRun ? { check: "dry-run", passed: false, detail: "bans.dryRun is set" } : { check: "dry-run", passed: true })]
  ]

  const checks: Array<Check> = []
  for (const [reason, run] of steps) {
    const check = run()
    checks.push(check)
    if (check.passed) continue
    const last = state.lastSuppressed[reason]
    if (last !== undefined && contact.now.getTime() - last < policy.suppressionIntervalMs) return []
    return [new BanSuppressed({ ip: formatIp(ip), prefix, reason, detail: check.detail ?? reason, checks })]
  }

  const offense = state.offenses + 1
  const ttl = computeTtl(policy, offense)
  return [
    new BanIssued({
      banId: contact.banId,
      ip: formatIp(ip),
      prefix,
      ttlSeconds: Math.round(ttl.ttlMs / 1000),
      ttl: { baseSeconds: ttl.baseSeconds, escalation: ttl.escalation, offense, maxSeconds: ttl.maxSeconds, formula: ttl.formula },
      issuedAt: contact.now,
      expiresAt: new Date(contact.now.getTime() + ttl.ttlMs),
      offense,
      rule: contact.transport === "udp" ? (contact.trigger === "ContactVerified" ? "verified-udp-contact" : "udp-contact") : "tcp-contact",
      service: contact.service,
      checks
    })
  ]
}
