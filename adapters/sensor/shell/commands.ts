/**
 * The fake shell's commands: each maps arguments to printed text and an exit status.
 * Downloads "succeed" without a byte leaving the sensor (the attacker keeps going and
 * shows us the next stage); files they create exist as names only, always empty.
 */
import { createHash } from "node:crypto"
import { decodeEchoEscapes } from "./parse.js"
import { applets, busyboxHelp, directories, files, processList } from "./system.js"
import type { SystemProfile } from "./system.js"

export interface ShellState {
  cwd: string
  readonly user: string
  readonly profile: SystemProfile
  /** paths created in this session (downloads, touch, redirections): names only */
  readonly created: Set<string>
  readonly createdDirs: Set<string>
}

export interface CommandResult {
  readonly out: string
  readonly status: number
  readonly exit?: boolean
}

type Command = (args: ReadonlyArray<string>, state: ShellState, stdin: string) => CommandResult

const ok = (out = ""): CommandResult => ({ out, status: 0 })
const fail = (out: string, status = 1): CommandResult => ({ out, status })
export const base = (path: string) => path.slice(path.lastIndexOf("/") + 1)
/** the argument after `flag`, if the flag is there */
const valueOf = (args: ReadonlyArray<string>, flag: string): string | undefined => {
  const i = args.indexOf(flag)
  return i >= 0 ? args[i + 1] : undefined
}

export const resolvePath = (cwd: string, path: string): string => {
  const parts: Array<string> = []
  for (const p of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (p === "" || p === ".") continue
    if (p === "..") parts.pop()
    else parts.push(p)
  }
  return "/" + parts.join("/")
}

const isDir = (s: ShellState, path: string) => directories.has(path) || s.createdDirs.has(path)
const contentOf = (s: ShellState, path: string): string | undefined => files(s.profile).get(path) ?? (s.created.has(path) ? "" : undefined)

const entries = (s: ShellState, dir: string): Array<string> => {
  const own = [...s.created, ...s.createdDirs].filter((p) => p.slice(0, p.lastIndexOf("/") || 1) === dir).map(base)
  return [...new Set([...(directories.get(dir) ?? []), ...own])].sort()
}

const flagsAndArgs = (args: ReadonlyArray<string>) => ({
  flags: args.filter((a) => /^-[a-zA-Z]+$/.test(a)).join("").replace(/-/g, ""),
  rest: args.filter((a) => !/^-[a-zA-Z]+$/.test(a))
})

const echo: Command = (args) => {
  let i = 0
  let newline = true
  let escapes = false
  for (; i < args.length && /^-[neE]+$/.test(args[i]!); i++) {
    for (const f of args[i]!.slice(1)) {
      if (f === "n") newline = false
      else escapes = f === "e"
    }
  }
  const text = args.slice(i).join(" ")
  if (!escapes) return ok(text + (newline ? "\n" : ""))
  const decoded = decodeEchoEscapes(text)
  return ok(decoded.text + (newline && !decoded.stop ? "\n" : ""))
}

const cat: Command = (args, s, stdin) => {
  const names = args.filter((a) => a !== "-" && !a.startsWith("-"))
  if (names.length === 0) return ok(stdin)
  let out = ""
  let status = 0
  for (const name of names) {
    const path = resolvePath(s.cwd, name)
    const content = contentOf(s, path)
    if (content !== undefined) out += content
    else {
      out += isDir(s, path) ? `cat: read error: Is a directory\n` : `cat: can't open '${name}': No such file or directory\n`
      status = 1
    }
  }
  return { out, status }
}

const uname: Command = (args, s) => {
  const p = s.profile
  const { flags } = flagsAndArgs(args)
  const fields: Array<[string, string]> = [["s", "Linux"], ["n", p.hostname], ["r", p.kernel], ["v", p.kernelBuild], ["m", p.machine], ["o", "GNU/Linux"]]
  if (flags.includes("a")) return ok(fields.map(([, v]) => v).join(" ") + "\n")
  const chosen = fields.filter(([f]) => flags.includes(f))
  return ok((chosen.length === 0 ? "Linux" : chosen.map(([, v]) => v).join(" ")) + "\n")
}

const ls: Command = (args, s) => {
  const { flags, rest } = flagsAndArgs(args)
  const targets = rest.length === 0 ? ["."] : rest
  let out = ""
  let status = 0
  for (const t of targets) {
    const path = resolvePath(s.cwd, t)
    if (isDir(s, path)) {
      const names = entries(s, path)
      out += flags.includes("l")
        ? names.map((n) => `${isDir(s, resolvePath(path, n)) ? "drwxr-xr-x    2" : "-rwxr-xr-x    1"} root     root             0 Jan  1  1970 ${n}\n`).join("")
        : names.length > 0 ? names.join("  ") + "\n" : ""
    } else if (contentOf(s, path) !== undefined) out += t + "\n"
    else {
      out += `ls: ${t}: No such file or directory\n`
      status = 1
    }
  }
  return { out, status }
}

const cd: Command = (args, s) => {
  const target = resolvePath(s.cwd, args[0] ?? (s.user === "root" ? "/root" : `/home/${s.user}`))
  if (!isDir(s, target)) return fail(`-sh: cd: can't cd to ${args[0] ?? target}: No such file or directory\n`, 2)
  s.cwd = target
  return ok()
}

const create = (s: ShellState, name: string) => {
  const path = resolvePath(s.cwd, name)
  if (!isDir(s, path) && s.created.size < 256) s.created.add(path)
}

/** Deterministic fake sizes, so a replayed transcript prints the same thing. */
const fakeSize = (seed: string) => 1000 + (createHash("md5").update(seed).digest().readUInt16BE(0) % 60000)

const wget: Command = (args, s) => {
  const url = args.find((a, i) => !a.startsWith("-") && args[i - 1] !== "-O")
  if (url === undefined) return fail("BusyBox v1.31.1 multi-call binary.\n\nUsage: wget [-c|--continue] [-q|--quiet] [-O FILE] URL...\n")
  const file = valueOf(args, "-O") ?? (base(url.replace(/[?#].*$/, "")) || "index.html")
  const host = /^(?:[a-z]+:\/\/)?([^/:]+)(?::(\d+))?/i.exec(url)
  if (file !== "-") create(s, file)
  if (args.includes("-q") || file === "-") return ok()
  const size = fakeSize(url)
  return ok(
    `Connecting to ${host?.[1] ?? url} (${host?.[1] ?? url}:${host?.[2] ?? "80"})\nsaving to '${file}'\n` +
      `${file.padEnd(20).slice(0, 20)} 100% |********************************| ${String(size).padStart(5)}  0:00:00 ETA\n'${file}' saved\n`
  )
}

const tftp: Command = (args, s) => {
  const c = args.indexOf("-c")
  const file = valueOf(args, "-l") ?? valueOf(args, "-r") ?? (c >= 0 ? args[c + 2] : undefined)
  if (file !== undefined) {
    if (!args.includes("-p") && (c < 0 || args[c + 1] !== "put")) create(s, base(file))
    return ok()
  }
  return fail("BusyBox v1.31.1 multi-call binary.\n\nUsage: tftp [OPTIONS] HOST [PORT]\n")
}

const touchLike: Command = (args, s) => {
  for (const a of args) if (!a.startsWith("-")) create(s, a)
  return ok()
}

const filter = (pick: (lines: Array<string>, args: ReadonlyArray<string>) => Array<string>): Command => (args, _s, stdin) => {
  const lines = stdin.split("\n")
  if (lines[lines.length - 1] === "") lines.pop()
  const kept = pick(lines, args)
  return { out: kept.length > 0 ? kept.join("\n") + "\n" : "", status: kept.length > 0 ? 0 : 1 }
}

const count = (args: ReadonlyArray<string>, fallback: number) => {
  const n = args.find((a) => /^-\d+$/.test(a))?.slice(1) ?? valueOf(args, "-n")
  return n !== undefined && /^\d+$/.test(n) ? Number(n) : fallback
}

const commands: Record<string, Command> = {
  echo,
  cat,
  uname,
  ls,
  cd,
  wget,
  tftp,
  pwd: (_a, s) => ok(s.cwd + "\n"),
  id: (_a, s) => ok(s.user === "root" ? "uid=0(root) gid=0(root) groups=0(root)\n" : `uid=1000(${s.user}) gid=1000(${s.user}) groups=1000(${s.user})\n`),
  whoami: (_a, s) => ok(s.user + "\n"),
  hostname: (_a, s) => ok(s.profile.hostname + "\n"),
  nproc: () => ok("1\n"),
  ps: () => ok(processList),
  uptime: () => ok(" 03:14:07 up 41 days,  6:02,  load average: 0.08, 0.03, 0.01\n"),
  free: () => ok("              total        used        free      shared  buff/cache   available\nMem:         246108      136532       61240        1204       48336       98356\nSwap:             0           0           0\n"),
  df: () => ok("Filesystem           1K-blocks      Used Available Use% Mounted on\n/dev/root                 9216      9216         0 100% /\ntmpfs                   123052       184    122868   0% /tmp\n"),
  which: (args) => (args[0] !== undefined && applets.includes(args[0]) ? ok(`/bin/${args[0]}\n`) : fail("")),
  mkdir: (args, s) => {
    for (const a of args) if (!a.startsWith("-") && s.createdDirs.size < 64) s.createdDirs.add(resolvePath(s.cwd, a))
    return ok()
  },
  rm: (args, s) => {
    for (const a of args) s.created.delete(resolvePath(s.cwd, a))
    return ok()
  },
  touch: touchLike,
  cp: (args, s) => touchLike(args.slice(-1), s, ""),
  mv: (args, s) => touchLike(args.slice(-1), s, ""),
  ftpget: (args, s) => touchLike(args.filter((a) => !a.startsWith("-")).slice(1, 2), s, ""),
  grep: filter((lines, args) => {
    const { flags, rest } = flagsAndArgs(args)
    const pattern = rest[0] ?? ""
    const match = (l: string) => (flags.includes("i") ? l.toLowerCase().includes(pattern.toLowerCase()) : l.includes(pattern))
    const kept = lines.filter((l) => match(l) !== flags.includes("v"))
    return flags.includes("c") ? [String(kept.length)] : kept
  }),
  head: filter((lines, args) => lines.slice(0, count(args, 10))),
  tail: filter((lines, args) => lines.slice(-count(args, 10))),
  wc: (args, _s, stdin) => ok((args.includes("-l") ? String(stdin.split("\n").length - 1) : `${stdin.split("\n").length - 1} ${stdin.split(/\s+/).filter(Boolean).length} ${stdin.length}`) + "\n"),
  false: () => fail(""),
  exit: () => ({ out: "", status: 0, exit: true }),
  logout: () => ({ out: "", status: 0, exit: true })
}

/** applets that succeed silently here: their effects are not worth faking */
const silent = ["chmod", "chown", "kill", "killall", "sleep", "sync", "true", "[", "[[", "test", "ln", "mount", "umount", "rmdir", "sh", "ash", "export", "ulimit", "unset", "history", "ping", "nc", "tar", "gzip", "gunzip", "dd", "sed", "awk", "xargs", "env"]

/** runs one command (no operators); `sh -c` is expanded by the caller */
export const runCommand = (argv: ReadonlyArray<string>, s: ShellState, stdin: string): CommandResult => {
  const [argv0, ...args] = argv
  if (argv0 === undefined) return ok()
  const name = base(argv0)
  if (name === "busybox") {
    const [applet, ...rest] = args
    if (applet === undefined) return ok(busyboxHelp(s.profile))
    if (applet === "--list") return ok(applets.join("\n") + "\n")
    if (!applets.includes(applet)) return fail(`${applet}: applet not found\n`, 127)
    return runCommand([applet, ...rest], s, stdin)
  }
  if (argv0.includes("/") && !/^\/(usr\/)?s?bin\//.test(argv0)) {
    // running a file: only the names this session created exist, and they do nothing
    return s.created.has(resolvePath(s.cwd, argv0)) ? ok() : fail(`-sh: ${argv0}: not found\n`, 127)
  }
  const command = commands[name]
  if (command !== undefined) return command(args, s, stdin)
  if (silent.includes(name) || name === ":") return ok()
  return fail(`-sh: ${name}: not found\n`, 127)
}
