/** The `honeyhole` command tree. */
import { Command, Options } from "@effect/cli"
import { allowlistCommand, bansCommand } from "./bans.js"
import { bgpCommand } from "./bgp.js"
import { configCommand } from "./config.js"
import { eventsCommand } from "./events.js"
import { exposureCommand } from "./exposure.js"
import { firewallCommand } from "./firewall.js"
import { inventoryCommand } from "./inventory.js"
import { kibanaCommand } from "./kibana.js"
import { projectionsCommand } from "./projections.js"
import { routerConfigCommand } from "./routerConfig.js"
import { scanCommand } from "./scan.js"
import { sensorCommand } from "./sensor.js"
import { startCommand } from "./start.js"
import { whyCommand } from "./why.js"

/**
 * Declared for --help and validation; main.ts reads its value before the command tree
 * runs, because the services every command uses are built from the file it names.
 */
export const configOption = Options.text("config").pipe(
  Options.withAlias("c"),
  Options.withDescription("configuration file (default: $HONEYHOLE_CONFIG, else ./honeyhole.yaml if present, else embedded defaults)"),
  Options.optional
)

export const honeyhole = Command.make("honeyhole", { config: configOption }).pipe(
  Command.withDescription("Honeypot-driven blocking: exposure inventory, sensor, BGP blackholing — every decision an event."),
  Command.withSubcommands([startCommand, configCommand, eventsCommand, projectionsCommand, bansCommand, allowlistCommand, bgpCommand, whyCommand, routerConfigCommand, firewallCommand, inventoryCommand, scanCommand, exposureCommand, kibanaCommand, sensorCommand])
)

export const cli = Command.run(honeyhole, { name: "honeyhole", version: "0.1.0" })
