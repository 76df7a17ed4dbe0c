/** `honeyhole firewall-rules [--iptables]`. */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Either } from "effect"
import { AppConfig } from "../AppConfig.js"
import { firewallRules } from "../sensor/firewall.js"
import { expandServices } from "../sensor/services.js"

export const firewallCommand = Command.make(
  "firewall-rules",
  { iptables: Options.boolean("iptables").pipe(Options.withDescription("print iptables/ip6tables commands instead of an nftables table")) },
  ({ iptables }) =>
    Effect.gen(function* () {
      const { config } = yield* Effect.flatMap(AppConfig, (c) => c.get)
      const specs = yield* Either.mapLeft(expandServices(config.sensor.services, config.sensor.bind), (problems) => new Error(problems.join("\n")))
      yield* Console.log(firewallRules(specs, iptables ? "iptables" : "nftables").trimEnd())
    })
).pipe(Command.withDescription("Print NAT redirect rules from each service's publicPort to its listen port (review, then load them)."))
