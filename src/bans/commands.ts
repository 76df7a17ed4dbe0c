/**
 * Operators' ban commands (`bans add`, `bans lift`): audited events in the attacker's
 * stream, appended under the revision that was read, refused with a clear reason when
 * they would break a safety rail.
 */
import { Data, Effect } from "effect"
import { randomUUID } from "node:crypto"
import { findContaining, hostPrefix, parseRanges } from "../../domain/cidr.js"
import { formatDuration } from "../../domain/bans/policy.js"
import type { BanPolicy } from "../../domain/bans/policy.js"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { BanIssued, BanLifted, envelope } from "../../domain/events/index.js"
import { formatIp, parseIp } from "../../domain/ip.js"
import { StreamName } from "../../domain/streams.js"
import { operator, readAllowlist } from "./Allowlist.js"
import { makeAttackerCache } from "./attackers.js"
import { newEventId } from "../../domain/eventId.js"

export class BanCommandError extends Data.TaggedError("BanCommandError")<{ readonly message: string }> {}

const address = (input: string) => {
  const ip = parseIp(input)
  return ip === null ? Effect.fail(new BanCommandError({ message: `not an IP address: ${JSON.stringify(input)}` })) : Effect.succeed(ip)
}

export const liftBan = (store: EventStoreShape, input: string, reason: string, by = operator()) =>
  Effect.gen(function* () {
    const ip = yield* address(input)
    const stream = StreamName.attacker(formatIp(ip))
    const { state, revision } = yield* makeAttackerCache(store).load(stream)
    if (state.active === null) return yield* new BanCommandError({ message: `${formatIp(ip)} has no active ban` })
    const lifted = new BanLifted({ banId: state.active.banId, prefix: state.active.prefix, reason, by })
    yield* store.append(stream, [envelope(lifted, { eventId: newEventId(), at: new Date() })], revision)
    return lifted
  }).pipe(Effect.retry({ times: 3, while: (e) => e._tag === "ConcurrencyError" }))

export const addBan = (
  store: EventStoreShape,
  policy: BanPolicy,
  input: string,
  ttlMs: number,
  reason: string,
  options: { readonly force?: boolean; readonly by?: string } = {}
) =>
  Effect.gen(function* () {
    const ip = yield* address(input)
    const text = formatIp(ip)
    const stream = StreamName.attacker(text)
    const { entries } = yield* readAllowlist(store)
    const allowlist = parseRanges([...entries.keys()]).ranges
    const rails: Array<{ check: string; hit: string | undefined }> = [
      { check: "protected-range", hit: findContaining(policy.neverBan, ip)?.text },
      { check: "own-network", hit: findContaining(policy.ownNetworks, ip)?.text },
      { check: "peer-address", hit: policy.infrastructure.find((i) => findContaining([i.cidr], ip) !== undefined)?.role },
      { check: "allowlist", hit: findContaining(allowlist, ip)?.text }
    ]
    const broken = rails.filter((r) => r.hit !== undefined)
    if (broken.length > 0 && options.force !== true) {
      return yield* new BanCommandError({
        message: `refusing to ban ${text}: ${broken.map((r) => `${r.check} (${r.hit})`).join(", ")}; pass --force to override`
      })
    }
    const { state, revision } = yield* makeAttackerCache(store).load(stream)
    if (state.active !== null && state.active.expiresAt.getTime() > Date.now()) {
      return yield* new BanCommandError({ message: `${text} is already banned until ${state.active.expiresAt.toISOString()}` })
    }
    const now = new Date()
    const offense = state.offenses + 1
    const issued = new BanIssued({
      banId: randomUUID(),
      ip: text,
      prefix: hostPrefix(ip),
      ttlSeconds: Math.round(ttlMs / 1000),
      ttl: { baseSeconds: Math.round(ttlMs / 1000), escalation: 1, offense, maxSeconds: Math.round(ttlMs / 1000), formula: `set by operator: ${formatDuration(ttlMs)}` },
      issuedAt: now,
      expiresAt: new Date(now.getTime() + ttlMs),
      offense,
      rule: `operator: ${reason}`,
      service: null,
      checks: rails.map((r) => (r.hit === undefined ? { check: r.check, passed: true } : { check: r.check, passed: false, detail: `${r.hit}; overridden with --force` })),
      by: options.by ?? operator()
    })
    yield* store.append(stream, [envelope(issued, { eventId: newEventId(), at: now })], revision < 0 ? "no_stream" : revision)
    return issued
  }).pipe(Effect.retry({ times: 3, while: (e) => e._tag === "ConcurrencyError" }))
