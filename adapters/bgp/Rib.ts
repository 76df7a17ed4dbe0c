/**
 * The desired table: what every peer should have from us. The caller (the
 * blackhole table) owns it as a `SubscriptionRef<RouteTable>` or anything else
 * `Subscribable`; each peer session keeps its own Adj-RIB-Out (what it has sent)
 * and reconciles against the latest value.
 *
 * Keys are canonical prefixes ("203.0.113.7/32", "2001:db8::1/128", see
 * `canonicalPrefix`); a RouteSpec overrides the speaker's defaults for one route.
 * Reconciliation compares specs by reference first, so keep unchanged specs
 * identical between table versions (the `route()` helper shares one for defaults).
 */
import { Context } from "effect"
import type { Subscribable } from "effect"
import { canonicalPrefix } from "./codec/prefix.js"

export interface RouteSpec {
  /** next hop text for this route; defaults to `nextHop.ipv4` / `nextHop.ipv6` */
  readonly nextHop?: string
  /** replaces the configured communities ("7675:666", "no-export", "blackhole", large "A:B:C") */
  readonly communities?: ReadonlyArray<string>
  readonly med?: number
}

export type RouteTable = ReadonlyMap<string, RouteSpec>

/** Current value plus changes: `SubscriptionRef<RouteTable>` fits. */
export type RouteSource = Subscribable.Subscribable<RouteTable>

export class BgpRoutes extends Context.Tag("honeyhole/BgpRoutes")<BgpRoutes, RouteSource>() {}

export const defaultRoute: RouteSpec = Object.freeze({})

export const emptyTable: RouteTable = new Map()

/** A table of default routes from prefix texts; throws on a prefix that is not canonical-able. */
export const routeTable = (prefixes: Iterable<string>, spec: RouteSpec = defaultRoute): RouteTable => {
  const table = new Map<string, RouteSpec>()
  for (const text of prefixes) {
    const key = canonicalPrefix(text)
    if (key === null) throw new TypeError(`not a prefix (or host bits set): ${JSON.stringify(text)}`)
    table.set(key, spec)
  }
  return table
}

export { canonicalPrefix }
