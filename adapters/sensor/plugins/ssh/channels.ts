/**
 * What an SSH client that got in may do: open session channels and ask for a pty, a
 * shell or an exec — all answered by the fake BusyBox shell shared with telnet.
 * Everything else (sftp, X11, agent forwarding, port forwarding) is refused; requests
 * to forward to a host are recorded, since proxying through honeypots is a use of them.
 */
import type { Connection, ServerChannel, Session } from "ssh2"
import type { SocketRecorder } from "../../Plugin.js"
import { FakeShell } from "../../shell/Shell.js"
import { LineEditor, toCrlf } from "../../shell/terminal.js"

export interface ChannelOptions {
  readonly user: string
  readonly hostname: string
  readonly recorder: SocketRecorder
}

const latin1 = (text: string) => Buffer.from(text, "latin1")

/** an interactive shell on a channel; `pty` decides echo and line ends, as a real pty would */
const interactive = (channel: ServerChannel, shell: FakeShell, pty: boolean, recorder: SocketRecorder) => {
  const editor = new LineEditor(4096)
  editor.echo = pty
  const write = (text: string) => {
    const bytes = latin1(pty ? toCrlf(text) : text)
    channel.write(bytes)
    recorder.sent(bytes)
  }
  const leave = () => {
    channel.exit(0)
    channel.end()
  }
  write(shell.motd + shell.prompt)
  channel.on("data", (chunk: Buffer) => {
    let echo = ""
    editor.push(chunk, {
      echo: (text) => {
        echo += text
      },
      input: (input) => {
        if (echo !== "") channel.write(latin1(echo))
        echo = ""
        if (input.kind === "eof") {
          leave()
          return false
        }
        if (input.kind === "interrupt") {
          write(shell.prompt)
          return true
        }
        const reply = shell.run(input.text)
        recorder.received(latin1(input.text + "\n"), { ...(reply.facts ?? {}), channel: "shell" })
        if (reply.exit) {
          leave()
          return false
        }
        write(reply.output + shell.prompt)
        return true
      }
    })
    if (echo !== "") channel.write(latin1(echo))
  })
}

export const serveSessions = (client: Connection, options: ChannelOptions) => {
  const { recorder } = options
  client.on("session", (accept) => {
    const session: Session = accept()
    const shell = new FakeShell({ user: options.user, hostname: options.hostname })
    let pty = false
    session.on("pty", (ok, _reject, info) => {
      pty = true
      recorder.received(latin1(`pty-req ${info.term} ${info.cols}x${info.rows}`), { request: "pty", term: info.term.slice(0, 64), cols: info.cols, rows: info.rows })
      ok?.()
    })
    session.on("window-change", (ok) => ok?.())
    session.on("env", (ok, _reject, info) => {
      recorder.received(latin1(`env ${info.key}=${info.val}`), { request: "env", key: String(info.key).slice(0, 64), value: String(info.val).slice(0, 256) })
      ok?.()
    })
    session.on("shell", (ok) => {
      const channel = ok()
      if (channel !== undefined) interactive(channel, shell, pty, recorder)
    })
    session.on("exec", (ok, _reject, info) => {
      const channel = ok()
      const reply = shell.run(info.command)
      recorder.received(latin1(info.command), { ...(reply.facts ?? {}), channel: "exec" })
      if (channel === undefined) return
      const output = latin1(pty ? toCrlf(reply.output) : reply.output)
      if (output.length > 0) {
        channel.write(output)
        recorder.sent(output)
      }
      channel.exit(0)
      channel.end()
    })
    for (const refused of ["subsystem", "sftp", "x11", "auth-agent", "signal"]) {
      session.on(refused, (_ok: unknown, reject: (() => void) | undefined, info: { name?: unknown } | undefined) => {
        recorder.received(latin1(`${refused}${typeof info?.name === "string" ? ` ${info.name}` : ""}`), { request: refused, refused: true })
        reject?.()
      })
    }
  })
  client.on("tcpip", (_accept, reject, info) => {
    recorder.received(latin1(`direct-tcpip ${info.destIP}:${info.destPort}`), { request: "direct-tcpip", forward: `${info.destIP}:${info.destPort}`, refused: true })
    reject()
  })
  client.on("request", (_accept, reject, name) => {
    recorder.received(latin1(`global-request ${name}`), { request: name, refused: true })
    reject?.()
  })
}
