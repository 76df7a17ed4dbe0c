/** Blocking decisions, in the attacker's own stream so `why <ip>` reads one stream. */
import { Schema } from "effect"
import { IpAddress, Prefix, Timestamp } from "./common.js"

export const AllowlistCheck = Schema.Struct({
  check: Schema.String,
  passed: Schema.Boolean,
  detail: Schema.optional(Schema.String)
})

export const TtlComputation = Schema.Struct({
  baseSeconds: Schema.NonNegativeInt,
  escalation: Schema.Number,
  offense: Schema.Int,
  maxSeconds: Schema.NonNegativeInt,
  /** human-readable, e.g. "24h × 2^(3-1) = 96h" */
  formula: Schema.String
})

export class BanIssued extends Schema.TaggedClass<BanIssued>()("BanIssued", {
  banId: Schema.String,
  ip: IpAddress,
  prefix: Prefix,
  ttlSeconds: Schema.NonNegativeInt,
  ttl: TtlComputation,
  issuedAt: Timestamp,
  expiresAt: Timestamp,
  offense: Schema.Int.pipe(Schema.positive()),
  rule: Schema.String,
  service: Schema.NullOr(Schema.String),
  checks: Schema.Array(AllowlistCheck),
  /** issued by an operator (`bans add`) rather than by the decider */
  by: Schema.optional(Schema.String)
}) {}

export class BanExpired extends Schema.TaggedClass<BanExpired>()("BanExpired", {
  banId: Schema.String,
  prefix: Prefix,
  expiredAt: Timestamp
}) {}

export class BanLifted extends Schema.TaggedClass<BanLifted>()("BanLifted", {
  banId: Schema.String,
  prefix: Prefix,
  reason: Schema.String,
  by: Schema.String
}) {}

export const SuppressionReason = Schema.Literal(
  "allowlisted",
  "protected-range",
  "own-network",
  "peer-address",
  "unverified-udp",
  "breaker-open",
  "cap-reached",
  "dry-run"
)

export class BanSuppressed extends Schema.TaggedClass<BanSuppressed>()("BanSuppressed", {
  ip: IpAddress,
  prefix: Prefix,
  reason: SuppressionReason,
  detail: Schema.String,
  checks: Schema.Array(AllowlistCheck)
}) {}

export const BanEvent = Schema.Union(BanIssued, BanExpired, BanLifted, BanSuppressed)
export type BanEvent = typeof BanEvent.Type
