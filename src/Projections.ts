/** The projection runner over every SQL projection, as a service for the CLI, API and `start`. */
import { Context, Effect, Layer } from "effect"
import { sqlProjections } from "../projections/index.js"
import { makeRunner } from "../projections/runner.js"
import type { Runner } from "../projections/runner.js"

export class Projections extends Context.Tag("honeyhole/Projections")<Projections, Runner>() {
  static Live = Layer.effect(Projections, makeRunner(sqlProjections))
}

/** `start`'s projection actor: every projection followed live, each supervised on its own. */
export const ProjectionsActor = Layer.scopedDiscard(
  Effect.flatMap(Projections, (runner) => Effect.forkScoped(runner.runAll))
)
