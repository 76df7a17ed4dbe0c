/**
 * Keeps one peer in step with the desired table. The table's changes only record
 * the latest value and wake the loop (a sliding queue of one), so changes that
 * arrive while a batch is being written coalesce into the next diff.
 *
 * The first pass is the initial sync: the whole table, then End-of-RIB per
 * negotiated family (RFC 4724 §2). A ROUTE-REFRESH (RFC 2918) asks for the
 * whole Adj-RIB-Out of a family again.
 */
import { Effect, Queue, Stream } from "effect"
import { RoutesAnnounced, RoutesWithdrawn } from "../../../domain/events/operations.js"
import type { EncodeContext } from "../codec/attributes.js"
import { packAnnouncements, packWithdrawals } from "../codec/pack.js"
import type { Family } from "../codec/prefix.js"
import { endOfRibMessage } from "../codec/update.js"
import type { RouteSource, RouteTable } from "../Rib.js"
import type { AdjRibOut, AnnounceBatch, Plan } from "./AdjRibOut.js"
import type { Outbound } from "./Outbound.js"
import { MAX_PREFIXES_PER_EVENT } from "./Recorder.js"
import type { BgpRecorderShape } from "./Recorder.js"

export interface ReconcilerDeps {
  readonly peer: string
  readonly routes: RouteSource
  readonly adj: AdjRibOut
  readonly families: ReadonlyArray<Family>
  readonly ctx: EncodeContext
  readonly outbound: Outbound
  readonly recorder: BgpRecorderShape
  /** after each pass, with the Adj-RIB-Out size */
  readonly onSynced: (routes: number) => Effect.Effect<void>
}

export interface Reconciler {
  readonly run: Effect.Effect<never>
  readonly requestRefresh: (family: Family) => Effect.Effect<void>
}

/** Routes planned, packed and written per slice (see AdjRibOut.planAnnouncements). */
const SLICE = 8_192

/** One plan out of the withdrawals and the announcement slices, batches merged per group, for the events. */
const merge = (withdrawals: Plan, slices: ReadonlyArray<Plan>): Plan => {
  const batches = new Map<string, AnnounceBatch>()
  for (const slice of slices) {
    for (const b of slice.announce) {
      const batch = batches.get(b.group.key)
      if (batch === undefined) batches.set(b.group.key, { group: b.group, routes: [...b.routes] })
      else for (const r of b.routes) batch.routes.push(r)
    }
  }
  return { announce: [...batches.values()], withdraw: withdrawals.withdraw, refreshed: [], rejected: [] }
}

const chunks = <A>(xs: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size))
  return out
}

const encodeBatches = (batches: ReadonlyArray<AnnounceBatch>, ctx: EncodeContext, into: Array<Uint8Array>) => {
  for (const b of batches) {
    const messages = packAnnouncements({
      family: b.group.family,
      attributes: b.group.attributes,
      nextHop: b.group.nextHop,
      prefixes: b.routes.map((r) => r.key)
    }, ctx)
    for (const m of messages) into.push(m)
  }
}

const record = (deps: ReconcilerDeps, plan: Plan, initialSync: boolean) =>
  Effect.gen(function*() {
    const withdrawn = [...plan.withdraw[4], ...plan.withdraw[6]].map((r) => r.key)
    for (const prefixes of chunks(withdrawn, MAX_PREFIXES_PER_EVENT)) {
      // keys were validated by the plan: skip re-validating thousands of prefixes
      yield* deps.recorder.record(new RoutesWithdrawn({ peer: deps.peer, prefixes }, true))
    }
    for (const batch of plan.announce) {
      const nextHop = { [batch.group.family === 4 ? "ipv4" : "ipv6"]: batch.group.nextHopText }
      for (const routes of chunks(batch.routes, MAX_PREFIXES_PER_EVENT)) {
        yield* deps.recorder.record(new RoutesAnnounced({
          peer: deps.peer,
          prefixes: routes.map((r) => r.key),
          nextHop,
          communities: [...batch.group.communityTexts],
          initialSync
        }, true))
      }
    }
  })

export const makeReconciler = (deps: ReconcilerDeps): Effect.Effect<Reconciler> =>
  Effect.gen(function*() {
    const wake = yield* Queue.sliding<true>(1)
    let latest: RouteTable | null = null
    const refresh = new Set<Family>()
    const warned = new Set<string>()

    const feeder = deps.routes.changes.pipe(
      Stream.runForEach((table) => Effect.zipRight(Effect.sync(() => void (latest = table)), Queue.offer(wake, true)))
    )

    const warn = (plan: Plan) =>
      Effect.forEach(plan.rejected, ([key, why]) => {
        if (warned.has(key)) return Effect.void
        warned.add(key)
        return Effect.logWarning(`bgp ${deps.peer}: not announcing ${key}: ${why}`)
      }, { discard: true })

    /** Queues messages and lets the writer put them on the wire while planning goes on. */
    const ship = (messages: ReadonlyArray<Uint8Array>) =>
      messages.length === 0 ? Effect.void : Effect.zipRight(deps.outbound.send(messages), Effect.yieldNow())

    const pass = (initialSync: boolean) =>
      Effect.gen(function*() {
        const table = latest
        if (table === null) return false
        const refreshed = deps.families.filter((f) => refresh.has(f))
        refresh.clear()
        const withdrawals = deps.adj.planWithdrawals(table)
        deps.adj.commit(withdrawals)
        const gone: Array<Uint8Array> = []
        for (const f of deps.families) for (const m of packWithdrawals(f, withdrawals.withdraw[f].map((r) => r.key))) gone.push(m)
        yield* ship(gone)
        const slices: Array<Plan> = []
        const entries = table.entries()
        for (;;) {
          const slice = deps.adj.planAnnouncements(entries, SLICE)
          yield* warn(slice)
          deps.adj.commit(slice)
          const messages: Array<Uint8Array> = []
          // a refreshed family gets its whole Adj-RIB-Out below, which holds these announcements too
          encodeBatches(slice.announce.filter((b) => !refreshed.includes(b.group.family)), deps.ctx, messages)
          yield* ship(messages)
          slices.push(slice)
          if (slice.done) break
        }
        const last: Array<Uint8Array> = []
        encodeBatches(deps.adj.resend(refreshed), deps.ctx, last)
        if (initialSync) for (const f of deps.families) last.push(endOfRibMessage(f))
        // one writer, in order: once `last` is written, so is everything queued before it
        yield* deps.outbound.sendAndWait(last)
        yield* record(deps, merge(withdrawals, slices), initialSync)
        yield* deps.onSynced(deps.adj.routes.size)
        return true
      })

    const loop = Effect.gen(function*() {
      let initial = true
      for (;;) {
        yield* Queue.take(wake)
        if (yield* pass(initial)) initial = false
      }
    })

    const run = Effect.all([feeder, loop], { concurrency: "unbounded", discard: true }).pipe(
      Effect.zipRight(Effect.never)
    )
    const requestRefresh = (family: Family) =>
      Effect.zipRight(Effect.sync(() => void refresh.add(family)), Queue.offer(wake, true))
    return { run, requestRefresh }
  })

