/**
 * Entry point and the only `Effect.provide` of the application.
 */
import { ValidationError } from "@effect/cli"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, FiberRef, HashSet, Logger, Scheduler } from "effect"
import { AppLayer } from "./App.js"
import { cli } from "./cli/index.js"

/** --config FILE / --config=FILE / -c FILE, read ahead of the command tree. */
export const configFileFromArgv = (argv: ReadonlyArray<string>): string | undefined => {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--") break
    if (arg === "--config" || arg === "-c") return argv[i + 1]
    if (arg.startsWith("--config=")) return arg.slice("--config=".length)
  }
  return undefined
}

const describe = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" && error.message !== "") {
    return error.message
  }
  return String(error)
}

const stderrLogger = Logger.prettyLogger({ stderr: true })

const program = cli(process.argv).pipe(
  Effect.catchAll((error) =>
    Effect.zipRight(
      // @effect/cli has already printed its own usage errors
      ValidationError.isValidationError(error) ? Effect.void : Console.error(`honeyhole: ${describe(error)}`),
      Effect.sync(() => {
        process.exitCode = 1
      })
    )
  ),
  Effect.provide(AppLayer({ file: configFileFromArgv(process.argv.slice(2)) })),
  // Log lines go to stderr: stdout carries what a command prints (tables, --json)
  Effect.locallyWith(FiberRef.currentLoggers, (loggers) =>
    loggers.pipe(HashSet.remove(Logger.defaultLogger), HashSet.remove(Logger.prettyLoggerDefault), HashSet.add(stderrLogger))
  ),
  // Yield to Node's event loop every 32 scheduler rounds instead of 2048: the embedded
  // store's SQLite calls are synchronous, and under a backlog the default starved socket
  // I/O (BGP UPDATEs were seen leaving ~1.5 s late).
  (effect) => Effect.withScheduler(effect, new Scheduler.MixedScheduler(32))
)

NodeRuntime.runMain(program, { disableErrorReporting: false })
