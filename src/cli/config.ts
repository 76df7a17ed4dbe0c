/** `honeyhole config check|print`. */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Either } from "effect"
import { stringify } from "yaml"
import { redactedConfig } from "../config/load.js"
import { AppConfig } from "../AppConfig.js"

const check = Command.make("check", {}, () =>
  Effect.gen(function* () {
    const { loaded } = yield* AppConfig
    if (Either.isLeft(loaded)) return yield* loaded.left
    yield* Console.log(`configuration OK (${loaded.right.file ?? "embedded defaults"})`)
  })
).pipe(Command.withDescription("Validate the configuration (file, defaults and HONEYHOLE_* env); exit 1 with every problem found."))

const print = Command.make("print", { json: Options.boolean("json").pipe(Options.withDescription("print JSON instead of YAML")) }, ({ json }) =>
  Effect.gen(function* () {
    const { get } = yield* AppConfig
    const { config } = yield* get
    const data = redactedConfig(config)
    yield* Console.log(json ? JSON.stringify(data, null, 2) : stringify(data).trimEnd())
  })
).pipe(Command.withDescription("Print the effective configuration, secrets redacted."))

export const configCommand = Command.make("config").pipe(
  Command.withDescription("Check or print the configuration."),
  Command.withSubcommands([check, print])
)
