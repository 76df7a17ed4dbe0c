/**
 * `telnet`: a BusyBox telnetd look-alike. Negotiates options as BusyBox does (DO ECHO,
 * DO NAWS, WILL ECHO, WILL SGA; TTYPE when offered), strips IAC sequences from the
 * data, asks "login:" and "Password:", records every attempt (CredentialsTried,
 * method "telnet-login"; fields capped at 256 characters) and,
 * from the `acceptAfter`-th attempt of a source on, drops it into the fake BusyBox
 * shell (adapters/sensor/shell), whose command lines, URLs and hosts become facts.
 *
 * Options: hostname ("localhost"), banner (text before the first prompt, none by default),
 * acceptAfter (2; 0 = never), maxAttempts per connection (3, as login(1)), prompt.
 */
import type { Credential, PluginEntry, SessionContext, Step, StreamPlugin } from "../../Plugin.js"
import { optionNumber, optionString } from "../../Plugin.js"
import { loginPolicy } from "../../shell/logins.js"
import { FakeShell, mergeShellFacts } from "../../shell/Shell.js"
import type { ShellFacts } from "../../shell/Shell.js"
import { LineEditor, toCrlf } from "../../shell/terminal.js"
import { describeNegotiation, escapeIac, Negotiator, openingNegotiation, TelnetParser } from "./protocol.js"

type Phase = "login" | "password" | "shell" | "closed"

const latin1 = (text: string): Uint8Array => escapeIac(Buffer.from(text, "latin1"))

const session = (ctx: SessionContext) => {
  const hostname = optionString(ctx, "hostname", "localhost")
  const banner = optionString(ctx, "banner", "")
  const loginPrompt = `${hostname} login: `
  const maxAttempts = optionNumber(ctx, "maxAttempts", 3)
  const policy = loginPolicy(ctx.shared, optionNumber(ctx, "acceptAfter", 2))
  const prompt = ctx.options["prompt"]
  const parser = new TelnetParser()
  const negotiator = new Negotiator()
  const editor = new LineEditor(4096)
  let phase: Phase = "login"
  let username = ""
  let attempts = 0
  let shell: FakeShell | null = null
  let reportedTerminal: string | null = null
  let reportedWindow: string | null = null

  /** one typed line: appends what to send, facts and credentials; returns a close reason or null */
  const handleLine = (text: string, out: Array<Uint8Array>, facts: Array<ShellFacts>, credentials: Array<Credential>): string | null => {
    switch (phase) {
      case "login":
        username = text.trim().slice(0, 256)
        if (username === "") {
          out.push(latin1(loginPrompt))
          return null
        }
        phase = "password"
        editor.echo = false
        out.push(latin1("Password: "))
        return null
      case "password": {
        attempts++
        const decision = policy.attempt(ctx.remote.ip)
        credentials.push({ username, password: text.slice(0, 256), method: "telnet-login", detail: { attempt: decision.attempt, accepted: decision.accepted } })
        editor.echo = negotiator.echoing
        if (decision.accepted) {
          phase = "shell"
          shell = new FakeShell({ user: username, hostname, ...(typeof prompt === "string" ? { prompt } : {}) })
          out.push(latin1(toCrlf(`\n${shell.motd}`) + shell.prompt))
          return null
        }
        out.push(latin1("\r\nLogin incorrect\r\n"))
        if (attempts >= maxAttempts) return "login-failed"
        phase = "login"
        out.push(latin1(loginPrompt))
        return null
      }
      case "shell": {
        const reply = shell!.run(text)
        if (reply.facts !== null) facts.push(reply.facts)
        if (reply.exit) return "logout"
        out.push(latin1(toCrlf(reply.output) + shell!.prompt))
        return null
      }
      case "closed":
        return null
    }
  }

  const data = (chunk: Uint8Array): Step => {
    if (phase === "closed") return {}
    const { data: bytes, commands } = parser.push(chunk)
    const out: Array<Uint8Array> = []
    const negotiation: Array<number> = []
    for (const c of commands) negotiation.push(...negotiator.handle(c))
    if (negotiation.length > 0) out.push(Uint8Array.from(negotiation))
    if (phase !== "password") editor.echo = negotiator.echoing
    const shellFacts: Array<ShellFacts> = []
    const credentials: Array<Credential> = []
    // assigned inside the sink below, hence the widened type
    let close = null as string | null
    editor.push(bytes, {
      echo: (text) => out.push(latin1(text)),
      input: (input) => {
        if (input.kind === "line") close = handleLine(input.text, out, shellFacts, credentials)
        else if (input.kind === "eof") close = phase === "shell" ? "logout" : "eof"
        else if (phase === "shell") out.push(latin1(shell!.prompt))
        else close = "interrupted"
        return close === null
      }
    })
    const facts: Record<string, unknown> = { phase }
    if (phase === "password") facts["username"] = username
    if (shellFacts.length > 0) Object.assign(facts, mergeShellFacts(shellFacts))
    if (negotiator.terminal !== reportedTerminal) facts["terminal"] = reportedTerminal = negotiator.terminal
    const window = negotiator.window === null ? null : `${negotiator.window.width}x${negotiator.window.height}`
    if (window !== reportedWindow) facts["window"] = reportedWindow = window
    const negotiated = commands.flatMap((c) => (c.kind === "negotiate" ? [describeNegotiation(c.verb, c.option)] : []))
    if (negotiated.length > 0) facts["negotiation"] = negotiated.slice(0, 32)
    if (close !== null) phase = "closed"
    return { send: out, facts, credentials, ...(close === null ? {} : { close }) }
  }

  return {
    open: (): Step => ({ send: [openingNegotiation, ...(banner === "" ? [] : [latin1(toCrlf(banner))]), latin1(loginPrompt)], sentFacts: { negotiation: ["DO ECHO", "DO NAWS", "WILL ECHO", "WILL SGA"] } }),
    data
  }
}

const telnetTcp: StreamPlugin = { kind: "stream", name: "telnet", session }

export const telnet: PluginEntry = { tcp: telnetTcp, description: "BusyBox telnetd: login prompts, credentials, fake shell with commands, URLs and hosts as facts" }
