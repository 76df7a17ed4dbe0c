import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

/**
 * Foreground daemons for integration tests: stdout and stderr go to a log file
 * in the daemon's temp dir, readiness is polled, and stopping is by pid
 * (SIGTERM, then SIGKILL after a grace period). Every daemon is registered so
 * that a failing test, a forgotten stop() or the worker exiting never leaves
 * one running. No vitest import here: bench/ scripts may use it too.
 */

export interface DaemonOptions {
  /** Short name used in errors and the log file name. */
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  /** The daemon's temp dir: working directory and home of `<name>.log`. */
  readonly dir: string
  readonly env?: NodeJS.ProcessEnv
}

export interface Daemon {
  readonly name: string
  readonly pid: number
  readonly logFile: string
  /** Resolves with the exit code or signal once the process has exited. */
  readonly exited: Promise<string>
  readonly hasExited: () => boolean
  /** Last `lines` lines of the log file. */
  readonly logTail: (lines?: number) => string
  readonly log: () => string
  /** SIGTERM, SIGKILL after `graceMs` (5 s); resolves once the process is gone. */
  readonly stop: (graceMs?: number) => Promise<void>
}

const systemDirs = ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin", "/bin"]

const isExecutable = (file: string): boolean => {
  try {
    Fs.accessSync(file, Fs.constants.X_OK)
    return Fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/** `which`, but also looking where Debian keeps daemons (/usr/sbin, /sbin, /usr/lib/…). */
export const findBinary = (binary: string, extraDirs: ReadonlyArray<string> = []): string | undefined => {
  if (binary.includes("/")) return isExecutable(binary) ? Path.resolve(binary) : undefined
  const pathDirs = (process.env["PATH"] ?? "").split(Path.delimiter).filter((dir) => dir !== "")
  const dirs = [...new Set([...pathDirs, ...systemDirs, ...extraDirs])]
  for (const dir of dirs) {
    const candidate = Path.join(dir, binary)
    if (isExecutable(candidate)) return candidate
  }
  return undefined
}

export const isRoot = (): boolean => process.getuid?.() === 0

const running = new Set<Daemon>()
const killers = new Map<Daemon, (signal: NodeJS.Signals) => void>()
let hooksInstalled = false

const tempDirs = new Set<string>()

const keepTemp = (): boolean => process.env["HONEYHOLE_TEST_KEEP_TMP"] !== undefined

/** Removed when the worker exits unless HONEYHOLE_TEST_KEEP_TMP is set. */
export const registerTempDir = (dir: string): void => {
  installHooks()
  tempDirs.add(dir)
}

/** Removes a temp dir now (honouring HONEYHOLE_TEST_KEEP_TMP). */
export const removeTempDir = (dir: string): void => {
  tempDirs.delete(dir)
  if (!keepTemp()) Fs.rmSync(dir, { recursive: true, force: true })
}

const killAllNow = (): void => {
  for (const daemon of running) killers.get(daemon)?.("SIGKILL")
  if (keepTemp()) return
  for (const dir of tempDirs) {
    try {
      Fs.rmSync(dir, { recursive: true, force: true })
    } catch {
      // a daemon killed a moment ago may still hold files; best effort
    }
  }
}

/**
 * `exit` runs synchronous code only, hence SIGKILL. A signal that kills the
 * worker skips `exit`, so SIGINT/SIGTERM/SIGHUP kill the daemons and then
 * re-raise (our listener is gone by then, so the default action applies).
 * A daemon killed this way gets no chance to clean up: fine for temp dirs.
 */
const installHooks = (): void => {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on("exit", killAllNow)
  // a vitest fork whose main process died (e.g. SIGINT sent only to it) loses
  // its IPC channel but may linger: its daemons must not outlive the run
  if (process.send !== undefined) process.once("disconnect", killAllNow)
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killAllNow()
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
    })
  }
}

export const readTail = (file: string, lines = 40): string => {
  let text: string
  try {
    text = Fs.readFileSync(file, "utf8")
  } catch {
    return `(no log at ${file})`
  }
  return text.split("\n").slice(-lines - 1).join("\n").trimEnd()
}

export const spawnDaemon = (options: DaemonOptions): Daemon => {
  installHooks()
  Fs.mkdirSync(options.dir, { recursive: true })
  const logFile = Path.join(options.dir, `${options.name.replace(/[^A-Za-z0-9._-]/g, "_")}.log`)
  const fd = Fs.openSync(logFile, "a")
  let child: ChildProcess.ChildProcess
  try {
    child = ChildProcess.spawn(options.command, [...options.args], {
      cwd: options.dir,
      env: options.env ?? process.env,
      stdio: ["ignore", fd, fd],
      // own process group: stop() also reaches anything the daemon forks
      detached: true
    })
  } finally {
    Fs.closeSync(fd)
  }
  let exitStatus: string | undefined
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => {
      exitStatus = signal !== null ? `signal ${signal}` : `exit code ${String(code)}`
      running.delete(daemon)
      killers.delete(daemon)
      resolve(exitStatus)
    })
    child.once("error", (error) => {
      exitStatus = `spawn error: ${error.message}`
      Fs.appendFileSync(logFile, `\n[test harness] failed to spawn ${options.command}: ${error.message}\n`)
      running.delete(daemon)
      killers.delete(daemon)
      resolve(exitStatus)
    })
  })
  // a forgotten daemon must not keep the worker alive; the exit hook kills it
  child.unref()

  const pid = child.pid ?? -1
  const kill = (signal: NodeJS.Signals): void => {
    if (pid <= 0 || exitStatus !== undefined) return
    try {
      process.kill(-pid, signal)
    } catch {
      try {
        process.kill(pid, signal)
      } catch {
        // already gone
      }
    }
  }

  const stop = async (graceMs = 5_000): Promise<void> => {
    if (exitStatus !== undefined) return
    kill("SIGTERM")
    let timer: NodeJS.Timeout | undefined
    const graceOver = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), graceMs)
    })
    const outcome = await Promise.race([exited, graceOver])
    clearTimeout(timer)
    if (outcome === "timeout") {
      kill("SIGKILL")
      await exited
    }
  }

  const daemon: Daemon = {
    name: options.name,
    pid,
    logFile,
    exited,
    hasExited: () => exitStatus !== undefined,
    logTail: (lines) => readTail(logFile, lines),
    log: () => {
      try {
        return Fs.readFileSync(logFile, "utf8")
      } catch {
        return ""
      }
    },
    stop
  }
  if (exitStatus === undefined) {
    running.add(daemon)
    killers.set(daemon, kill)
  }
  return daemon
}

export interface WaitOptions {
  /** What we are waiting for, for the timeout message. */
  readonly description: string
  readonly timeoutMs?: number
  readonly intervalMs?: number
  /** The daemon to watch: its exit aborts the wait, its log tail is in errors. */
  readonly daemon?: Daemon
}

/**
 * Polls `predicate` until it returns true. A predicate that throws counts as
 * "not yet" (typical while a port is still closed). Fails with the daemon's
 * log tail on timeout or as soon as the daemon exits.
 */
export const waitUntil = async (
  predicate: () => boolean | Promise<boolean>,
  options: WaitOptions
): Promise<void> => {
  const timeoutMs = options.timeoutMs ?? 30_000
  const intervalMs = options.intervalMs ?? 50
  const started = Date.now()
  const daemon = options.daemon
  const fail = (what: string, lastError: unknown): Error => {
    const tail = daemon === undefined ? "" : `\n--- last lines of ${daemon.logFile} ---\n${daemon.logTail(40)}`
    const last = lastError === undefined ? "" : `\nlast predicate error: ${String(lastError)}`
    return new Error(`${what} while waiting for ${options.description}${last}${tail}`)
  }
  let lastError: unknown
  for (;;) {
    try {
      if (await predicate()) return
      lastError = undefined
    } catch (error) {
      lastError = error
    }
    if (daemon?.hasExited()) {
      const status = await daemon.exited
      throw fail(`${daemon.name} (pid ${daemon.pid}) exited with ${status}`, lastError)
    }
    if (Date.now() - started >= timeoutMs) throw fail(`timed out after ${timeoutMs} ms`, lastError)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** Stops every daemon this worker started; for an afterAll safety net. */
export const stopAllDaemons = async (): Promise<void> => {
  await Promise.all([...running].map((daemon) => daemon.stop()))
}
