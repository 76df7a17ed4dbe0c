/**
 * `smtp`: a Postfix on Debian with SASL, that never relays anything.
 *
 * Credentials: AUTH LOGIN and AUTH PLAIN (RFC 4954, with or without the initial
 * response) are recorded as `auth-login` / `auth-plain`. The first
 * `acceptAuthAfter` attempts from a source (default 2, counted across its
 * sessions) get 535 and later ones 235. Brute-forcers move on to the next password
 * after a 535, so each one we turn away is another pair recorded. A bot that
 * thinks it has found a login then tries to use it: it sends the spam run or the
 * "it works" test mail to its own mailbox, often with the cracked login in the
 * body, and that is recorded too. Every recipient is accepted (250) for the same
 * reason, so relay testers show us their test message; every message is "queued"
 * and dropped.
 *
 * Facts per PayloadReceived: the commands of the chunk, HELO/EHLO name, envelope
 * sender and recipients, the AUTH mechanism, and each message the chunk completed
 * (envelope, main header fields, text capped, URLs).
 *
 * Options: `hostname` (banner and EHLO), `acceptAuthAfter`, `messageCap` (bytes kept).
 */
import { LineFramer } from "../framers.js"
import { nothing, optionNumber, optionString } from "../Plugin.js"
import type { Credential, PluginEntry, Step, StreamPlugin } from "../Plugin.js"
import { decodeBase64, decodePlain, ehloReply, encodeBase64, maxMessageSize, parseCommand, parsePath, queueId } from "../smtp/commands.js"
import { MessageCollector } from "../smtp/message.js"
import type { MessageSummary } from "../smtp/message.js"

/** smtpd_hard_error_limit: Postfix hangs up after this many errors */
const maxErrors = 20
const maxRecipients = 100
const maxCommandFacts = 32
/** sources whose failed AUTH attempts are remembered per listener */
const maxSources = 10_000

type Phase =
  | { readonly kind: "command" }
  | { readonly kind: "data"; readonly message: MessageCollector }
  | { readonly kind: "auth-plain" }
  | { readonly kind: "auth-login-user" }
  | { readonly kind: "auth-login-pass"; readonly username: string }

interface Facts {
  commands: Array<string>
  helo?: string
  auth?: string
  mailFrom?: string
  rcptTo?: Array<string>
  messages?: Array<MessageSummary>
}

const stream: StreamPlugin = {
  kind: "stream",
  name: "smtp",
  session: (ctx) => {
    const hostname = optionString(ctx, "hostname", "mail.localdomain")
    const acceptAfter = optionNumber(ctx, "acceptAuthAfter", 2)
    const messageCap = optionNumber(ctx, "messageCap", 8192)
    const framer = new LineFramer({ maxLine: 2048 })
    let phase: Phase = { kind: "command" }
    let helo: string | null = null
    let authenticated = false
    let mailFrom: string | null = null
    let rcptTo: Array<string> = []
    let errors = 0
    let closing: string | null = null

    // per chunk
    let out: Array<string> = []
    let facts: Facts = { commands: [] }
    let credentials: Array<Credential> = []

    const say = (text: string) => void out.push(`${text}\r\n`)
    const error = (text: string) => {
      say(text)
      if (++errors >= maxErrors) {
        say(`421 4.7.0 ${hostname} Error: too many errors`)
        closing = "too-many-errors"
      }
    }
    const resetTransaction = () => {
      mailFrom = null
      rcptTo = []
    }

    const authenticate = (username: string, password: string, method: "auth-login" | "auth-plain", detail: Record<string, string>) => {
      credentials.push({ username, password, method, detail: { ...detail, helo: helo ?? "" } })
      const key = `smtp-auth-failures:${ctx.remote.ip}`
      const seen = ctx.shared.get(key)
      const failed = typeof seen === "number" ? seen : 0
      phase = { kind: "command" }
      ctx.shared.delete(key) // re-inserted last, so the source idle longest is forgotten first
      if (failed >= acceptAfter) {
        authenticated = true
        return say("235 2.7.0 Authentication successful")
      }
      ctx.shared.set(key, failed + 1)
      if (ctx.shared.size > maxSources) ctx.shared.delete(ctx.shared.keys().next().value!)
      error("535 5.7.8 Error: authentication failed: authentication failure")
    }

    /** ends an AUTH exchange without credentials: "*" cancels (RFC 4954 §4), anything not base64 is an error */
    const abort = (text: string) => {
      phase = { kind: "command" }
      error(text === "*" ? "501 5.7.0 Authentication aborted" : "501 5.5.2 Cannot decode response")
    }

    const plain = (response: string) => {
      const p = decodePlain(response)
      if (p === null) return abort(response)
      authenticate(p.username, p.password, "auth-plain", p.authzid === "" ? {} : { authzid: p.authzid })
    }

    const auth = (arg: string) => {
      const [mechanism = "", initial] = arg.split(/\s+/)
      facts.auth = mechanism.toUpperCase()
      if (helo === null) return error("503 5.5.1 Error: send HELO/EHLO first")
      if (authenticated) return error("503 5.5.1 Error: already authenticated")
      if (mailFrom !== null) return error("503 5.5.1 Error: MAIL transaction in progress")
      switch (mechanism.toUpperCase()) {
        case "PLAIN":
          // RFC 4954 §4: "=" is an empty initial response
          if (initial !== undefined) return plain(initial === "=" ? "" : initial)
          phase = { kind: "auth-plain" }
          return say("334 ")
        case "LOGIN": {
          if (initial === undefined) {
            phase = { kind: "auth-login-user" }
            return say(`334 ${encodeBase64("Username:")}`)
          }
          const username = decodeBase64(initial)
          if (username === null) return error("501 5.5.2 Cannot decode response")
          phase = { kind: "auth-login-pass", username }
          return say(`334 ${encodeBase64("Password:")}`)
        }
        default:
          return error("535 5.7.8 Error: authentication failed: Invalid authentication mechanism")
      }
    }

    const command = (line: string) => {
      const { verb, arg } = parseCommand(line)
      if (facts.commands.length < maxCommandFacts) facts.commands.push(line.slice(0, 256))
      switch (verb) {
        case "EHLO":
        case "HELO":
          if (arg === "") return error(`501 Syntax: ${verb} hostname`)
          helo = facts.helo = arg.slice(0, 256)
          resetTransaction()
          return verb === "EHLO" ? void out.push(ehloReply(hostname)) : say(`250 ${hostname}`)
        case "AUTH":
          return auth(arg)
        case "MAIL": {
          if (helo === null) return error("503 5.5.1 Error: send HELO/EHLO first")
          if (mailFrom !== null) return error("503 5.5.1 Error: nested MAIL command")
          const path = parsePath(arg, "FROM")
          if (path === null) return error("501 5.5.4 Syntax: MAIL FROM:<address>")
          if (Number(path.params["SIZE"] ?? 0) > maxMessageSize) return error("552 5.3.4 Message size exceeds fixed limit")
          mailFrom = facts.mailFrom = path.address.slice(0, 256)
          return say("250 2.1.0 Ok")
        }
        case "RCPT": {
          if (mailFrom === null) return error("503 5.5.1 Error: need MAIL command")
          const path = parsePath(arg, "TO")
          if (path === null) return error("501 5.5.4 Syntax: RCPT TO:<address>")
          if (rcptTo.length >= maxRecipients) return error("452 4.5.3 Error: too many recipients")
          rcptTo.push(path.address.slice(0, 256))
          ;(facts.rcptTo ??= []).push(path.address.slice(0, 256))
          return say("250 2.1.5 Ok")
        }
        case "DATA":
          if (mailFrom === null) return error("503 5.5.1 Error: need RCPT command")
          if (rcptTo.length === 0) return error("554 5.5.1 Error: no valid recipients")
          phase = { kind: "data", message: new MessageCollector({ mailFrom, rcptTo }, messageCap) }
          return say("354 End data with <CR><LF>.<CR><LF>")
        case "RSET":
          resetTransaction()
          return say("250 2.0.0 Ok")
        case "NOOP":
          return say("250 2.0.0 Ok")
        case "QUIT":
          closing = "quit"
          return say("221 2.0.0 Bye")
        case "VRFY":
          return arg === "" ? error("501 5.5.4 Syntax: VRFY address") : say(`252 2.0.0 ${arg.slice(0, 256)}`)
        // smtpd_forbidden_commands: an HTTP client or proxy probe on the SMTP port
        case "GET":
        case "POST":
        case "CONNECT":
          closing = "forbidden-command"
          return say("221 2.7.0 Error: I can break rules, too. Goodbye.")
        case "STARTTLS":
          return error("502 5.5.1 Error: command not implemented")
        case "":
          return error("500 5.5.2 Error: bad syntax")
        default:
          // Postfix has no HELP, EXPN or TURN either
          return error("502 5.5.2 Error: command not recognized")
      }
    }

    const line = (text: string) => {
      switch (phase.kind) {
        case "command":
          return command(text)
        case "data": {
          if (!phase.message.line(text)) return
          const summary = phase.message.summary()
          phase = { kind: "command" }
          ;(facts.messages ??= []).push(summary)
          resetTransaction()
          if (summary.size > maxMessageSize) return error("552 5.3.4 Message size exceeds fixed limit")
          return say(`250 2.0.0 Ok: queued as ${queueId()}`)
        }
        case "auth-plain":
          return text === "*" ? abort(text) : plain(text)
        case "auth-login-user": {
          const username = decodeBase64(text)
          if (text === "*" || username === null) return abort(text)
          phase = { kind: "auth-login-pass", username }
          return say(`334 ${encodeBase64("Password:")}`)
        }
        case "auth-login-pass": {
          const password = decodeBase64(text)
          if (text === "*" || password === null) return abort(text)
          return authenticate(phase.username, password, "auth-login", {})
        }
      }
    }

    return {
      open: () => ({ send: [`220 ${hostname} ESMTP Postfix (Debian/GNU)\r\n`] }),
      data: (chunk): Step => {
        if (closing !== null) return nothing
        out = []
        facts = { commands: [] }
        credentials = []
        for (const text of framer.push(chunk)) {
          line(text)
          if (closing !== null) break
        }
        const { commands, ...rest } = facts
        const parsed = { ...(commands.length > 0 ? { commands } : {}), ...rest }
        return {
          ...(out.length > 0 ? { send: [out.join("")] } : {}),
          ...(Object.keys(parsed).length > 0 ? { facts: parsed } : {}),
          ...(credentials.length > 0 ? { credentials } : {}),
          ...(closing === null ? {} : { close: closing })
        }
      }
    }
  }
}

export const smtp: PluginEntry = { tcp: stream, description: "Postfix ESMTP with AUTH LOGIN/PLAIN; records credentials and messages, never relays" }
