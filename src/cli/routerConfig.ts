/** `honeyhole router-config --vendor cisco-ios|junos|bird|frr [--peer NAME]`. */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { currentConfig } from "../AppConfig.js"
import { routerConfig, routerParams, vendors } from "../routerConfig.js"

export const routerConfigCommand = Command.make(
  "router-config",
  {
    vendor: Options.choice("vendor", vendors).pipe(Options.withDescription("the border router's platform")),
    peer: Options.text("peer").pipe(Options.withDescription("a bgp.peers name (default: the first peer)"), Options.optional)
  },
  ({ vendor, peer }) =>
    Effect.gen(function* () {
      const params = routerParams(yield* currentConfig, Option.getOrUndefined(peer))
      if (typeof params === "string") return yield* Effect.fail(new Error(params))
      yield* Console.log(routerConfig(vendor, params).trimEnd())
    })
).pipe(Command.withDescription("Print the border-router side: community match, discard next hop, host-route filter, prefix limit, loose uRPF."))
