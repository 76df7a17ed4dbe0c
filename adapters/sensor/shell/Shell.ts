/**
 * The fake BusyBox shell behind the telnet and SSH logins. It reads command lines,
 * answers from canned state and records what was typed as facts (the line, its simple
 * commands, URLs and hosts). It never executes, fetches or writes anything: its whole
 * world is the in-memory `ShellState` of one session.
 *
 * Output uses "\n" line ends; transports convert (a pty or telnet wants "\r\n").
 */
import { base, runCommand } from "./commands.js"
import type { ShellState } from "./commands.js"
import { indicatorsOf } from "./indicators.js"
import { parseLine } from "./parse.js"
import type { SimpleCommand } from "./parse.js"
import { defaultProfile } from "./system.js"
import type { SystemProfile } from "./system.js"

export interface ShellOptions {
  readonly user: string
  readonly hostname?: string
  /** overrides "# " (root) / "$ " (others) */
  readonly prompt?: string
}

/** what a command line tells us: the line as typed, and the URLs and hosts it names */
export interface ShellFacts {
  readonly commands: ReadonlyArray<string>
  readonly urls: ReadonlyArray<string>
  readonly hosts: ReadonlyArray<string>
}

/** command text kept in one event's facts: facts are not capped by the recorder, so we cap them */
export const maxFactChars = 8192

/** facts of several lines (one chunk may carry a whole script), de-duplicated and capped */
export const mergeShellFacts = (facts: ReadonlyArray<ShellFacts>): ShellFacts => {
  const commands: Array<string> = []
  let chars = 0
  for (const c of facts.flatMap((f) => f.commands)) {
    if (chars + c.length > maxFactChars) break
    commands.push(c)
    chars += c.length
  }
  return {
    commands,
    urls: [...new Set(facts.flatMap((f) => f.urls))].slice(0, 64),
    hosts: [...new Set(facts.flatMap((f) => f.hosts))].slice(0, 64)
  }
}

export interface ShellReply {
  readonly output: string
  /** null for a blank line */
  readonly facts: ShellFacts | null
  /** the line asked to leave (exit, logout) */
  readonly exit: boolean
}

/** output per command line: `cat /dev/zero`-style tricks cannot make us send without bound */
export const maxOutputPerLine = 16 * 1024
/** fact text per line; the payload event keeps the raw bytes (capped) anyway */
const maxFactLine = 2048
/** `sh -c 'sh -c …'` nesting we follow */
const maxNesting = 3

const shells = new Set(["sh", "ash", "bash"])

/** `sh -c STRING` runs STRING: parse it as commands in its own right */
const expand = (commands: ReadonlyArray<SimpleCommand>, depth = 0): Array<SimpleCommand> =>
  commands.flatMap((c) => {
    const argv = c.argv[0] !== undefined && base(c.argv[0]) === "busybox" ? c.argv.slice(1) : c.argv
    const [argv0, flag, script] = argv
    if (depth < maxNesting && argv0 !== undefined && shells.has(base(argv0)) && flag === "-c" && script !== undefined) {
      return expand(parseLine(script), depth + 1).map((cmd, i) => (i === 0 ? { ...cmd, connector: c.connector } : cmd))
    }
    return [c]
  })

export class FakeShell {
  private readonly state: ShellState

  constructor(private readonly options: ShellOptions) {
    const profile: SystemProfile = { ...defaultProfile, ...(options.hostname === undefined ? {} : { hostname: options.hostname }) }
    this.state = {
      cwd: options.user === "root" ? "/root" : "/home/admin",
      user: options.user,
      profile,
      created: new Set(),
      createdDirs: new Set()
    }
  }

  get prompt(): string {
    return this.options.prompt ?? (this.state.user === "root" ? "# " : "$ ")
  }

  /** what BusyBox ash prints when an interactive login shell starts */
  get motd(): string {
    return `\n\n${this.state.profile.busybox.replace(/ \(.*$/, "")} built-in shell (ash)\nEnter 'help' for a list of built-in commands.\n\n`
  }

  run(line: string): ShellReply {
    const commands = expand(parseLine(line))
    if (commands.length === 0) return { output: "", facts: null, exit: false }
    const { urls, hosts } = indicatorsOf(line, commands)
    const facts: ShellFacts = { commands: [line.length > maxFactLine ? line.slice(0, maxFactLine) : line], urls, hosts }
    let output = ""
    let status = 0
    let piped = ""
    for (let i = 0; i < commands.length; i++) {
      const c = commands[i]!
      if ((c.connector === "&&" && status !== 0) || (c.connector === "||" && status === 0)) continue
      const result = runCommand(c.argv, this.state, c.connector === "|" ? piped : "")
      status = result.status
      if (result.exit === true) return { output, facts, exit: true }
      for (const target of c.redirectedTo) if (target !== "/dev/null" && !target.startsWith("&")) this.remember(target)
      const toPipe = commands[i + 1]?.connector === "|"
      if (toPipe) piped = result.out
      else if (c.redirectedTo.length === 0) output += result.out
      if (output.length > maxOutputPerLine) {
        output = output.slice(0, maxOutputPerLine)
        break
      }
    }
    return { output, facts, exit: false }
  }

  private remember(target: string) {
    runCommand(["touch", target], this.state, "")
  }
}
