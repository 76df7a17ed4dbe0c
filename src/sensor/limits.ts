/**
 * Limits on everything an attacker can make us spend: sessions (global, per source),
 * and for UDP a reply budget so the honeypot is never a useful reflector — reply bytes
 * stay ≤ ratio × request bytes and replies are rate-limited per source.
 *
 * Every hit is counted in /metrics and summarised as SensorLimitHit events (one per
 * limit and source per reporting interval, so a flood cannot flood the store too).
 */
import { Metric, MetricLabel } from "effect"

export interface LimitsConfig {
  readonly maxSessions: number
  readonly maxSessionsPerSource: number
  readonly udpReplyRatio: number
  readonly udpRepliesPerSecond: number
}

export const limitHits = Metric.counter("honeyhole_sensor_limit_hits_total", {
  description: "times a sensor limit refused or cut something",
  incremental: true
})

export const activeSessions = Metric.gauge("honeyhole_sensor_sessions_active", {
  description: "sensor sessions open now (TCP connections and live UDP sources)"
})

export type LimitName = "max-sessions" | "max-sessions-per-source" | "udp-reply-bytes" | "udp-reply-rate" | "session-bytes" | "plugin-error"

export class Limits {
  private active = 0
  private readonly perSource = new Map<string, number>()
  private readonly budgets = new Map<string, { bytes: number; tokens: number; at: number }>()
  /** hits since the last report: limit → source ("" when global) → count */
  private readonly hits = new Map<LimitName, Map<string, number>>()

  constructor(readonly config: LimitsConfig) {}

  hit(limit: LimitName, source: string | null): void {
    limitHits.unsafeUpdate(1, [MetricLabel.make("limit", limit)])
    const bySource = this.hits.get(limit) ?? new Map<string, number>()
    bySource.set(source ?? "", (bySource.get(source ?? "") ?? 0) + 1)
    this.hits.set(limit, bySource)
  }

  /** takes the accumulated hits for reporting */
  drainHits(): Array<{ limit: LimitName; source: string | null; count: number }> {
    const out: Array<{ limit: LimitName; source: string | null; count: number }> = []
    for (const [limit, bySource] of this.hits) for (const [source, count] of bySource) out.push({ limit, source: source === "" ? null : source, count })
    this.hits.clear()
    return out
  }

  /** null when the session may start, else the limit that refused it */
  acquire(ip: string): LimitName | null {
    if (this.active >= this.config.maxSessions) return this.refuse("max-sessions", ip)
    const current = this.perSource.get(ip) ?? 0
    if (current >= this.config.maxSessionsPerSource) return this.refuse("max-sessions-per-source", ip)
    this.active++
    this.perSource.set(ip, current + 1)
    activeSessions.unsafeUpdate(this.active, [])
    return null
  }

  release(ip: string): void {
    this.active = Math.max(0, this.active - 1)
    activeSessions.unsafeUpdate(this.active, [])
    const current = (this.perSource.get(ip) ?? 1) - 1
    if (current <= 0) this.perSource.delete(ip)
    else this.perSource.set(ip, current)
  }

  get sessions(): number {
    return this.active
  }

  /** a request of `bytes` arrived from `ip`: credit its reply budget */
  credit(ip: string, bytes: number, now = Date.now()): void {
    const b = this.refill(ip, now)
    // the byte budget is capped at a few requests' worth, so silence never banks a burst
    b.bytes = Math.min(b.bytes + bytes * this.config.udpReplyRatio, Math.max(bytes, 512) * this.config.udpReplyRatio * 4)
  }

  /** may we send `bytes` to `ip` now? spends the budget when yes */
  spend(ip: string, bytes: number, now = Date.now()): LimitName | null {
    const b = this.refill(ip, now)
    if (b.tokens < 1) return this.refuse("udp-reply-rate", ip)
    if (b.bytes < bytes) return this.refuse("udp-reply-bytes", ip)
    b.tokens -= 1
    b.bytes -= bytes
    return null
  }

  /** forgets idle UDP budgets */
  sweep(now = Date.now(), idleMs = 60_000): void {
    for (const [ip, b] of this.budgets) if (now - b.at > idleMs) this.budgets.delete(ip)
  }

  private refill(ip: string, now: number) {
    const b = this.budgets.get(ip) ?? { bytes: 0, tokens: this.config.udpRepliesPerSecond, at: now }
    b.tokens = Math.min(this.config.udpRepliesPerSecond, b.tokens + ((now - b.at) / 1000) * this.config.udpRepliesPerSecond)
    b.at = now
    this.budgets.set(ip, b)
    return b
  }

  private refuse(limit: LimitName, ip: string): LimitName {
    this.hit(limit, ip)
    return limit
  }
}
