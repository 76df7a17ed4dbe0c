/** `honeyhole firewall-rules [--iptables]`. */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Either } from "effect"
import { EventStore } from "../../domain/EventStore.js"
import { AppConfig } from "../AppConfig.js"
import { readInventory } from "../inventory/commands.js"
import { firewallRules } from "../sensor/firewall.js"
import { desiredListeners } from "../sensor/plan.js"

export const firewallCommand = Command.make(
  "firewall-rules",
  { iptables: Options.boolean("iptables").pipe(Options.withDescription("print iptables/ip6tables commands instead of an nftables table")) },
  ({ iptables }) =>
    Effect.gen(function* () {
      const { config } = yield* Effect.flatMap(AppConfig, (c) => c.get)
      // with sensor.fromInventory, the inventory's planned ports need their redirects too
      const inventory = config.sensor.fromInventory === null ? null : (yield* Effect.flatMap(EventStore, readInventory)).state
      const { explicit, planned, planError } = yield* Either.mapLeft(desiredListeners(config.sensor, inventory), (e) => new Error(e.message))
      if (planError !== null) yield* Console.error(`warning: the inventory's plan is left out: ${planError}`)
      yield* Console.log(firewallRules([...explicit, ...planned], iptables ? "iptables" : "nftables").trimEnd())
    })
).pipe(Command.withDescription("Print NAT redirect rules from each service's publicPort to its listen port, including the inventory's planned ports (review, then load them)."))
