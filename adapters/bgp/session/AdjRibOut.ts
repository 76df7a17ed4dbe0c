/**
 * A session's Adj-RIB-Out (RFC 4271 §3.2): what this peer has been sent. Pure
 * planning: `plan` diffs the desired table against it into batched
 * announcements (grouped by identical attributes) and withdrawals; `commit`
 * records a plan once its bytes are written.
 */
import { Either } from "effect"
import { parseIp } from "../../../domain/ip.js"
import { AsPathSegmentType, Origin } from "../codec/attributes.js"
import type { PathAttributes } from "../codec/attributes.js"
import { formatCommunities, parseCommunities } from "../codec/community.js"
import { scanPrefix } from "../codec/prefix.js"
import type { Family } from "../codec/prefix.js"
import type { RouteSpec, RouteTable } from "../Rib.js"
import type { SpeakerSettings } from "./Options.js"

/** Routes sharing one set of attributes: one Announcement per family. */
export interface RouteGroup {
  readonly key: string
  readonly family: Family
  readonly nextHop: Uint8Array
  readonly nextHopText: string
  readonly attributes: PathAttributes
  readonly communityTexts: ReadonlyArray<string>
}

export interface SentRoute {
  /** the canonical prefix text; packed from text (see pack.ts) */
  readonly key: string
  readonly family: Family
  readonly spec: RouteSpec
  readonly group: RouteGroup
}

export interface AnnounceBatch {
  readonly group: RouteGroup
  readonly routes: Array<SentRoute>
}

export interface Plan {
  readonly announce: ReadonlyArray<AnnounceBatch>
  readonly withdraw: Readonly<Record<Family, Array<SentRoute>>>
  /** same attributes, new spec object: remembered without resending */
  readonly refreshed: ReadonlyArray<SentRoute>
  /** keys that cannot be announced, with why */
  readonly rejected: ReadonlyArray<readonly [string, string]>
}

export const isEmptyPlan = (p: Plan): boolean =>
  p.announce.length === 0 && p.withdraw[4].length === 0 && p.withdraw[6].length === 0 && p.refreshed.length === 0

/** Routes whose specs give the same key get the same attributes. */
export const groupKey = (spec: RouteSpec, family: Family): string =>
  `${family}|${spec.nextHop ?? ""}|${spec.communities?.join(",") ?? "*"}|${spec.med ?? ""}`

/** The attributes of routes with `spec`, per session (iBGP gets LOCAL_PREF and an empty AS_PATH). */
export const resolveGroup = (
  spec: RouteSpec,
  family: Family,
  settings: SpeakerSettings,
  ibgp: boolean
): Either.Either<RouteGroup, string> =>
  Either.gen(function*() {
    const key = groupKey(spec, family)
    let nextHop = settings.nextHop[family]
    if (spec.nextHop !== undefined) {
      const ip = parseIp(spec.nextHop)
      if (ip === null || ip.family !== family) return yield* Either.left(`next hop ${spec.nextHop} is not an IPv${family} address`)
      nextHop = { text: spec.nextHop, bytes: ip.bytes }
    }
    const communities = spec.communities === undefined ? settings.communities : yield* parseCommunities(spec.communities)
    const med = spec.med ?? settings.med
    const attributes: PathAttributes = {
      origin: Origin.Igp,
      // RFC 4271 §5.1.2: iBGP leaves the path empty, eBGP prepends our AS
      asPath: ibgp ? [] : [{ type: AsPathSegmentType.Sequence, asns: [settings.localAs] }],
      ...(med === undefined ? {} : { med }),
      ...(ibgp ? { localPref: settings.localPref } : {}),
      communities: communities.standard,
      largeCommunities: communities.large
    }
    return { key, family, nextHop: nextHop.bytes, nextHopText: nextHop.text, attributes, communityTexts: formatCommunities(communities) }
  })

export class AdjRibOut {
  readonly routes = new Map<string, SentRoute>()
  private readonly groups = new Map<string, Either.Either<RouteGroup, string>>()

  constructor(
    private readonly settings: SpeakerSettings,
    private readonly ibgp: boolean,
    private readonly families: ReadonlyArray<Family>
  ) {}

  /** by spec identity first: tables share one spec object among most routes */
  private readonly bySpec = { 4: new WeakMap<RouteSpec, Either.Either<RouteGroup, string>>(), 6: new WeakMap<RouteSpec, Either.Either<RouteGroup, string>>() }

  private group(spec: RouteSpec, family: Family): Either.Either<RouteGroup, string> {
    const known = this.bySpec[family].get(spec)
    if (known !== undefined) return known
    const g = this.groupByKey(spec, family)
    this.bySpec[family].set(spec, g)
    return g
  }

  private groupByKey(spec: RouteSpec, family: Family): Either.Either<RouteGroup, string> {
    const key = groupKey(spec, family)
    let g = this.groups.get(key)
    if (g === undefined) {
      g = resolveGroup(spec, family, this.settings, this.ibgp)
      this.groups.set(key, g)
    }
    return g
  }

  /**
   * The announcements needed for up to `max` entries of the desired table: a
   * large sync is planned, packed and written slice by slice, so the peer starts
   * importing while the rest is still being planned.
   */
  planAnnouncements(entries: Iterator<readonly [string, RouteSpec]>, max: number): Plan & { readonly done: boolean } {
    const batches = new Map<string, AnnounceBatch>()
    const refreshed: Array<SentRoute> = []
    const rejected: Array<readonly [string, string]> = []
    let seen = 0
    let done = false
    while (seen < max) {
      const next = entries.next()
      if (next.done === true) {
        done = true
        break
      }
      seen++
      const [key, spec] = next.value
      const sent = this.routes.get(key)
      if (sent !== undefined && sent.spec === spec) continue
      const scanned = sent === undefined ? scanPrefix(key) : sent.family << 8
      if (scanned < 0) {
        rejected.push([key, "not a prefix (or host bits set)"])
        continue
      }
      const family: Family = scanned >> 8 === 6 ? 6 : 4
      if (!this.families.includes(family)) {
        rejected.push([key, `IPv${family} unicast was not negotiated with this peer`])
        continue
      }
      const group = this.group(spec, family)
      if (Either.isLeft(group)) {
        rejected.push([key, group.left])
        continue
      }
      const route: SentRoute = { key, family, spec, group: group.right }
      if (sent !== undefined && sent.group.key === group.right.key) {
        refreshed.push(route)
        continue
      }
      let batch = batches.get(group.right.key)
      if (batch === undefined) batches.set(group.right.key, batch = { group: group.right, routes: [] })
      batch.routes.push(route)
    }
    return { announce: [...batches.values()], withdraw: { 4: [], 6: [] }, refreshed, rejected, done }
  }

  /** What was sent and is no longer desired. */
  planWithdrawals(desired: RouteTable): Plan {
    const withdraw: Record<Family, Array<SentRoute>> = { 4: [], 6: [] }
    for (const [key, sent] of this.routes) {
      if (!desired.has(key)) withdraw[sent.family].push(sent)
    }
    return { announce: [], withdraw, refreshed: [], rejected: [] }
  }

  /** The whole diff at once (announcements as if none were committed in between). */
  plan(desired: RouteTable): Plan {
    const a = this.planAnnouncements(desired.entries(), Number.POSITIVE_INFINITY)
    return { ...a, withdraw: this.planWithdrawals(desired).withdraw }
  }

  /** Everything sent for these families, as announcements (ROUTE-REFRESH answers). */
  resend(families: ReadonlyArray<Family>): ReadonlyArray<AnnounceBatch> {
    const batches = new Map<string, AnnounceBatch>()
    for (const route of this.routes.values()) {
      if (!families.includes(route.family)) continue
      let batch = batches.get(route.group.key)
      if (batch === undefined) batches.set(route.group.key, batch = { group: route.group, routes: [] })
      batch.routes.push(route)
    }
    return [...batches.values()]
  }

  commit(plan: Plan): void {
    for (const route of plan.withdraw[4]) this.routes.delete(route.key)
    for (const route of plan.withdraw[6]) this.routes.delete(route.key)
    for (const batch of plan.announce) for (const route of batch.routes) this.routes.set(route.key, route)
    for (const route of plan.refreshed) this.routes.set(route.key, route)
  }
}
