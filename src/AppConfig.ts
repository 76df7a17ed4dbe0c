/**
 * The loaded configuration as a service. Loading never fails the layer: a bad file
 * surfaces as a ConfigError from `get`, so `--help` and `config check` still work and
 * every other command fails fast with the same clear message.
 */
import { Context, Effect, Either, Layer } from "effect"
import type { ConfigError, LoadedConfig, LoadOptions } from "./config/load.js"
import { loadConfig } from "./config/load.js"

export interface AppConfigShape {
  readonly loaded: Either.Either<LoadedConfig, ConfigError>
  readonly get: Effect.Effect<LoadedConfig, ConfigError>
  /** reads the file and environment again (SIGHUP) */
  readonly reload: Effect.Effect<LoadedConfig, ConfigError>
}

export class AppConfig extends Context.Tag("honeyhole/AppConfig")<AppConfig, AppConfigShape>() {
  static layer = (options: LoadOptions) =>
    Layer.sync(AppConfig, () => {
      const loaded = loadConfig(options)
      return {
        loaded,
        get: Either.isRight(loaded) ? Effect.succeed(loaded.right) : Effect.fail(loaded.left),
        reload: Effect.suspend(() => loadConfig(options))
      }
    })
}

/** The effective configuration, failing with ConfigError when the file is bad. */
export const currentConfig = Effect.flatMap(AppConfig, (c) => Effect.map(c.get, (l) => l.config))
