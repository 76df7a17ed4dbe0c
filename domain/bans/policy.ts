/** The blocking policy (`bans.*`), in domain terms: durations in ms, ranges parsed. */
import type { Cidr } from "../cidr.js"

export interface BanPolicy {
  readonly ttlMs: number
  readonly maxTtlMs: number
  /** ttl × escalation^(offense-1), capped by maxTtlMs */
  readonly escalation: number
  readonly maxActive: number
  /** verified-only: a UDP source is banned only once it proved it receives our replies */
  readonly udp: "verified-only" | "any"
  /** protected ranges (bogons by default) */
  readonly neverBan: ReadonlyArray<Cidr>
  /** the operator's own address space */
  readonly ownNetworks: ReadonlyArray<Cidr>
  /** BGP peers, next hops, router id, local addresses: blackholing them cuts our own control plane */
  readonly infrastructure: ReadonlyArray<{ readonly cidr: Cidr; readonly role: string }>
  /** more new bans than this within a minute opens the breaker */
  readonly breakerMaxPerMinute: number
  readonly dryRun: boolean
  /** a suppression for the same reason is recorded at most this often per attacker */
  readonly suppressionIntervalMs: number
}

const units: ReadonlyArray<readonly [string, number]> = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000]
]

/** 90000000 → "25h", 1800000 → "30m" */
export const formatDuration = (ms: number): string => {
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  return `${ms}ms`
}

export interface TtlComputation {
  readonly ttlMs: number
  readonly baseSeconds: number
  readonly escalation: number
  readonly offense: number
  readonly maxSeconds: number
  readonly formula: string
}

export const computeTtl = (policy: BanPolicy, offense: number): TtlComputation => {
  const raw = policy.ttlMs * Math.pow(policy.escalation, offense - 1)
  const ttlMs = Math.min(raw, policy.maxTtlMs)
  const capped = raw > policy.maxTtlMs ? ` capped at ${formatDuration(policy.maxTtlMs)}` : ""
  return {
    ttlMs,
    baseSeconds: Math.round(policy.ttlMs / 1000),
    escalation: policy.escalation,
    offense,
    maxSeconds: Math.round(policy.maxTtlMs / 1000),
    formula: `${formatDuration(policy.ttlMs)} × ${policy.escalation}^(${offense}-1) = ${formatDuration(Math.round(raw))}${capped}`
  }
}
