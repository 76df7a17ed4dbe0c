/**
 * Runs nmap itself: the seed's two cron scripts as profiles (ch. 3.2.3: `fast` = the
 * daily `--min-hostgroup 256 --min-rate 1000 … -p1-10000 -Pn --max-retries 0`, `full` =
 * the weekly `-sS -p1-65535 -Pn --max-retries 2`), operator args on top, and always
 * `-n` (no reverse DNS: nothing leaves for a resolver), `--stats-every` (progress) and
 * `-oX <file>` (the report the import reads). Arguments that would write output
 * elsewhere, read targets from a file or invent them (-iL, -iR, -oN/-oG/-oA, NSE
 * newtargets, bare words) are refused before nmap starts: a schedule scans exactly its
 * `targets`.
 */
import { Data, Effect, Fiber, Queue } from "effect"
import { spawn } from "node:child_process"
import { isIp } from "../../domain/ip.js"

export type NmapProfile = "fast" | "full"

/** Option groups (an option and its value), so operator args can replace one. */
export const profiles: Record<NmapProfile, ReadonlyArray<ReadonlyArray<string>>> = {
  fast: [["--min-hostgroup", "256"], ["--min-rate", "1000"], ["--max-rate", "1000"], ["-r"], ["--min-parallelism", "200"], ["-sS"], ["-p", "1-10000"], ["-Pn"], ["--max-retries", "0"]],
  full: [["-sS"], ["-p", "1-65535"], ["-Pn"], ["--max-retries", "2"]]
}

export class NmapArgsError extends Data.TaggedError("NmapArgsError")<{ readonly message: string }> {}

export class NmapRunError extends Data.TaggedError("NmapRunError")<{
  readonly reason: "Spawn" | "Exit" | "Signal" | "NoTargets"
  readonly message: string
  readonly exitCode: number | null
  readonly signal: string | null
  readonly stderrTail: string
  readonly cause?: unknown
}> {}

const octet = String.raw`(?:\*|(?:\d{1,3})?(?:-(?:\d{1,3})?)?(?:,(?:\d{1,3})?(?:-(?:\d{1,3})?)?)*)`
const ipv4Spec = new RegExp(`^(${octet})\\.(${octet})\\.(${octet})\\.(${octet})$`)
const hostname = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/

/** "ipv4" | "ipv6" | "name", or a reason the target is refused. */
export const targetKind = (target: string): "ipv4" | "ipv6" | "name" | { readonly error: string } => {
  const bad = (why: string) => ({ error: `target ${JSON.stringify(target)}: ${why}` })
  if (target.startsWith("-")) return bad("looks like an option; options go in args")
  const slash = target.lastIndexOf("/")
  const base = slash < 0 ? target : target.slice(0, slash)
  const mask = slash < 0 ? null : target.slice(slash + 1)
  const maskOk = (max: number) => mask === null || (/^\d{1,3}$/.test(mask) && Number(mask) <= max)
  if (base.includes(":")) {
    if (!isIp(base)) return bad("not an IPv6 address")
    return maskOk(128) ? "ipv6" : bad("prefix length must be 0–128")
  }
  const v4 = ipv4Spec.exec(base)
  if (v4 !== null) {
    // every number of every octet spec (192.0.2.1-20, 10.0-3.*.1, 192.0.2.1,5,7) must be ≤ 255
    const numbers = v4.slice(1).flatMap((o) => o!.match(/\d+/g) ?? [])
    if (numbers.some((n) => Number(n) > 255)) return bad("an octet is above 255")
    return maskOk(32) ? "ipv4" : bad("prefix length must be 0–32")
  }
  // anything else is looked up in DNS by nmap: only names that can be names
  if (!hostname.test(base) || /^[\d.]+$/.test(base) || !/[A-Za-z]/.test(base.split(".").filter((l) => l !== "").pop() ?? "")) {
    return bad("not an address, CIDR, nmap range (192.0.2.1-20) or host name")
  }
  return maskOk(32) ? "name" : bad("prefix length must be 0–32")
}

/** long options whose value may be the next token */
const longWithValue = new Set([
  "exclude", "excludefile", "exclude-ports", "top-ports", "port-ratio", "min-hostgroup", "max-hostgroup", "min-parallelism", "max-parallelism",
  "min-rtt-timeout", "max-rtt-timeout", "initial-rtt-timeout", "max-retries", "host-timeout", "scan-delay", "max-scan-delay", "min-rate", "max-rate",
  "source-port", "data", "data-string", "data-length", "ip-options", "ttl", "spoof-mac", "proxies", "proxy", "script", "script-args", "script-timeout",
  "version-intensity", "max-os-tries", "mtu", "dns-servers", "datadir", "servicedb", "versiondb", "stylesheet", "scanflags", "nsock-engine"
])
const shortWithValue = new Set(["-p", "-e", "-S", "-D", "-g", "-b", "-T", "-M", "-m", "-sI"])

const refusedLong: Record<string, string> = {
  "append-output": "honeyhole owns the report file",
  resume: "a resumed scan reads its targets from an old output file",
  "stats-every": "honeyhole sets --stats-every itself for progress",
  "script-args-file": "script arguments must be inline, so newtargets can be refused",
  iflist: "it prints interfaces instead of scanning",
  version: "it prints nmap's version instead of scanning",
  help: "it prints help instead of scanning",
  "system-dns": "honeyhole always runs nmap with -n (no DNS)",
  "resolve-all": "honeyhole always runs nmap with -n (no DNS)"
}

/** The group an option belongs to: an operator's option replaces the profile's of the same group. */
const groupOf = (option: string): string => {
  if (option.startsWith("-p") && !option.startsWith("-P") && !option.startsWith("--")) return "ports"
  if (option === "-F" || option === "--top-ports" || option === "--port-ratio") return "ports"
  if (/^-s[STAWMNFXI]$/.test(option)) return "tcp-scan"
  return option.split("=")[0]!
}

/** Splits operator args into option groups, refusing what must not reach nmap. */
export const parseOperatorArgs = (args: ReadonlyArray<string>): ReadonlyArray<ReadonlyArray<string>> | NmapArgsError => {
  const groups: Array<Array<string>> = []
  const refuse = (arg: string, why: string) => new NmapArgsError({ message: `nmap argument ${JSON.stringify(arg)} is refused: ${why}` })
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=")
      const name = arg.slice(2, eq < 0 ? undefined : eq)
      if (name === "") return refuse(arg, "a bare -- would make every following word a target")
      const why = refusedLong[name]
      if (why !== undefined) return refuse(arg, why)
      const value = eq >= 0 ? arg.slice(eq + 1) : longWithValue.has(name) ? args[++i] : undefined
      if (eq < 0 && longWithValue.has(name) && value === undefined) return refuse(arg, "it needs a value")
      if (name.startsWith("script") && value !== undefined && /newtargets|broadcast/i.test(value)) {
        return refuse(`${arg} ${value}`, "NSE newtargets/broadcast scripts add targets beyond the schedule's")
      }
      groups.push(eq < 0 && value !== undefined ? [arg, value] : [arg])
    } else if (arg.startsWith("-") && arg.length > 1) {
      if (/^-o/.test(arg)) return refuse(arg, "honeyhole writes the only output (-oX to its own file)")
      if (/^-i/.test(arg)) return refuse(arg, "targets come from the schedule's targets only (no -iL/-iR)")
      if (arg === "-R") return refuse(arg, "honeyhole always runs nmap with -n (no DNS)")
      if (arg === "-V" || arg === "-h") return refuse(arg, "it does not scan")
      if (arg === "-n") continue // always added
      if (shortWithValue.has(arg)) {
        const value = args[++i]
        if (value === undefined) return refuse(arg, "it needs a value")
        groups.push([arg, value])
      } else groups.push([arg])
    } else {
      return refuse(arg, "a bare word is a target to nmap; put targets in targets (an option's value can be given as --option=value)")
    }
  }
  return groups
}

export interface NmapCommand {
  readonly argv: ReadonlyArray<string>
  /** e.g. the SYN scan falling back to a connect scan without root */
  readonly warnings: ReadonlyArray<string>
}

/** The full argv for one run: profile, operator args, -n, progress, report file, targets. */
export const buildNmapArgs = (options: {
  readonly targets: ReadonlyArray<string>
  readonly profile: NmapProfile
  readonly args: ReadonlyArray<string>
  readonly output: string
  readonly isRoot: boolean
  readonly statsEvery?: string
}): NmapCommand | NmapArgsError => {
  if (options.targets.length === 0) return new NmapArgsError({ message: "no targets: give at least one address, CIDR or range" })
  const kinds = new Set<string>()
  for (const target of options.targets) {
    const kind = targetKind(target)
    if (typeof kind !== "string") return new NmapArgsError({ message: kind.error })
    kinds.add(kind)
  }
  if (kinds.has("ipv6") && kinds.has("ipv4")) {
    return new NmapArgsError({ message: `nmap scans IPv4 and IPv6 in separate runs; split ${options.targets.join(" ")} into two schedules` })
  }
  const operator = parseOperatorArgs(options.args)
  if (operator instanceof NmapArgsError) return operator
  const replaced = new Set(operator.map((g) => groupOf(g[0]!)))
  const warnings: Array<string> = []
  let groups = [...profiles[options.profile].filter((g) => !replaced.has(groupOf(g[0]!))), ...operator]
  if (!options.isRoot && groups.some((g) => g[0] === "-sS")) {
    warnings.push("SYN scan (-sS) needs root: running a connect scan (-sT) instead")
    groups = groups.map((g) => (g[0] === "-sS" ? ["-sT"] : g))
  }
  const v6 = kinds.has("ipv6") && !groups.some((g) => g[0] === "-6") ? ["-6"] : []
  return {
    argv: [...groups.flat(), ...v6, "-n", "--stats-every", options.statsEvery ?? "5s", "-oX", options.output, ...options.targets],
    warnings
  }
}

export interface NmapProgress {
  /** nmap's current task, e.g. "SYN Stealth Scan" */
  readonly task: string
  readonly percent: number
  readonly remainingSeconds: number | null
  readonly hostsCompleted: number | null
  readonly hostsUp: number | null
}

const statsLine = /^Stats: \S+ elapsed; (\d+) hosts completed \((\d+) up\)/
const timingLine = /^(.+?) Timing: About ([\d.]+)% done(?:; ETC: \S+ \((\d+):(\d\d):(\d\d) remaining\))?/

/** Reads nmap's `--stats-every` lines; `hosts` carries the last Stats line's counts. */
export const parseProgressLine = (line: string, hosts: { completed: number | null; up: number | null }): NmapProgress | null => {
  const stats = statsLine.exec(line)
  if (stats !== null) {
    hosts.completed = Number(stats[1])
    hosts.up = Number(stats[2])
    return null
  }
  const timing = timingLine.exec(line)
  if (timing === null) return null
  const remaining = timing[3] === undefined ? null : Number(timing[3]) * 3600 + Number(timing[4]) * 60 + Number(timing[5])
  return { task: timing[1]!, percent: Number(timing[2]), remainingSeconds: remaining, hostsCompleted: hosts.completed, hostsUp: hosts.up }
}

const tailOf = (text: string, lines = 20, chars = 4000) => text.split("\n").slice(-lines - 1).join("\n").slice(-chars).trim()

export interface RunOptions {
  /** the nmap binary (default: `nmap` on PATH) */
  readonly nmap?: string
  readonly argv: ReadonlyArray<string>
  readonly onProgress?: (progress: NmapProgress) => Effect.Effect<void>
}

export interface NmapExit {
  /** lines nmap wrote to stderr that did not stop it (e.g. a name that failed to resolve) */
  readonly warnings: ReadonlyArray<string>
  readonly stderrTail: string
}

/**
 * Runs nmap to completion. Interrupting the effect stops nmap (SIGTERM, then SIGKILL
 * after 5 s) and waits for it to exit.
 */
export const runNmap = (options: RunOptions): Effect.Effect<NmapExit, NmapRunError> =>
  Effect.gen(function* () {
    const progress = yield* Queue.unbounded<NmapProgress>()
    const onProgress = options.onProgress ?? (() => Effect.void)
    const reporter = yield* Queue.take(progress).pipe(Effect.flatMap(onProgress), Effect.forever, Effect.fork)
    let stderr = ""
    const exit = yield* Effect.async<{ code: number | null; signal: string | null }, NmapRunError>((resume) => {
      // -n whatever the caller built: without it nmap asks the system resolver about every target
      const argv = options.argv.includes("-n") ? options.argv : ["-n", ...options.argv]
      const child = spawn(options.nmap ?? "nmap", [...argv], { stdio: ["ignore", "pipe", "pipe"] })
      const hosts = { completed: null as number | null, up: null as number | null }
      let partial = ""
      let closed = false
      child.stdout.setEncoding("utf8")
      child.stdout.on("data", (chunk: string) => {
        const lines = (partial + chunk).split("\n")
        partial = lines.pop() ?? ""
        for (const line of lines) {
          const p = parseProgressLine(line.trimEnd(), hosts)
          if (p !== null) Queue.unsafeOffer(progress, p)
        }
      })
      child.stderr.setEncoding("utf8")
      child.stderr.on("data", (chunk: string) => {
        stderr = (stderr + chunk).slice(-64 * 1024)
      })
      child.on("error", (cause) => {
        if (closed) return
        closed = true
        resume(Effect.fail(new NmapRunError({ reason: "Spawn", message: `cannot run ${options.nmap ?? "nmap"}: ${cause.message}`, exitCode: null, signal: null, stderrTail: "", cause })))
      })
      child.on("close", (code, signal) => {
        if (closed) return
        closed = true
        resume(Effect.succeed({ code, signal }))
      })
      return Effect.async<void>((done) => {
        if (closed || child.exitCode !== null) return done(Effect.void)
        child.once("close", () => done(Effect.void))
        child.kill("SIGTERM")
        setTimeout(() => child.kill("SIGKILL"), 5000).unref()
      })
    })
    // deliver the last progress lines before returning
    const rest = yield* Queue.takeAll(progress)
    yield* Fiber.interrupt(reporter)
    for (const p of rest) yield* onProgress(p)
    const stderrTail = tailOf(stderr)
    const fail = (reason: NmapRunError["reason"], message: string) =>
      Effect.fail(new NmapRunError({ reason, message, exitCode: exit.code, signal: exit.signal, stderrTail }))
    if (exit.signal !== null) return yield* fail("Signal", `nmap was killed by ${exit.signal}`)
    // nmap ends a fatal error with "QUITTING!": the line before it says why
    const why = stderrTail.split("\n").map((l) => l.trim()).filter((l) => l !== "" && l !== "QUITTING!").pop() ?? "no message"
    if (exit.code !== 0) return yield* fail("Exit", `nmap exited with code ${exit.code}: ${why}`)
    // nmap exits 0 when every target was refused or failed to resolve
    if (/No targets were specified/.test(stderr)) return yield* fail("NoTargets", `nmap scanned nothing: ${stderrTail.split("\n")[0] ?? ""}`)
    const warnings = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "")
    return { warnings, stderrTail }
  })
