/** The blocking loop's actors for `start`: ban reactor, expiry timer, allowlist lifter. */
import { Effect, Layer } from "effect"
import { AppConfig } from "../AppConfig.js"
import * as Allowlist from "./Allowlist.js"
import * as BlackholeTable from "./BlackholeTable.js"
import { runExpiry } from "./expiry.js"
import { banPolicy } from "./policy.js"
import { liftAllowlisted, makeReactor } from "./reactor.js"

const config = Effect.map(Effect.flatMap(AppConfig, (c) => c.get), (l) => l.config)

/** The shared state of the blocking loop: the in-memory table and the allowlist. */
export const BlockingStateLive = Layer.merge(
  BlackholeTable.layer,
  Layer.unwrapEffect(Effect.map(config, (c) => Allowlist.layer(c.bans.allowlist)))
)

export const BansActor = Layer.scopedDiscard(
  Effect.gen(function* () {
    const policy = banPolicy(yield* config)
    yield* Effect.forkScoped(yield* makeReactor(policy))
    yield* Effect.forkScoped(runExpiry)
    yield* Effect.forkScoped(liftAllowlisted)
  })
)
