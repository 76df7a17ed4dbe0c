/**
 * `ssh` through the ssh2 library's server, as a `socket` plugin: each connection is
 * injected into its own ssh2 Server. It records the client's version string, every
 * password (method "password") and public key offered (method "publickey", with key
 * type and SHA256 fingerprint), and rejects them all — unless `acceptAfter` is set, in
 * which case the Nth password attempt of a source (see shell/logins.ts) gets the fake
 * BusyBox shell that telnet uses; its pty, shell and exec requests are recorded.
 *
 * Options: banner ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"), acceptAfter (0 = never),
 * maxAuthTries (6, as OpenSSH), hostname ("localhost", for the shell).
 */
import type { Socket } from "node:net"
import ssh2 from "ssh2"
import type { AuthContext, Connection } from "ssh2"
import type { PluginEntry, SessionContext, SocketPlugin, SocketRecorder } from "../../Plugin.js"
import { optionNumber, optionString } from "../../Plugin.js"
import { loginPolicy } from "../../shell/logins.js"
import { serveSessions } from "./channels.js"
import { ensureHostKeys, fingerprint, hostKeys } from "./hostKeys.js"

export const defaultBanner = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
/** what Debian 12's sshd offers by default (KbdInteractiveAuthentication no) */
const methods: Array<"publickey" | "password"> = ["publickey", "password"]
const maxField = 256

const attach = async (socket: Socket, ctx: SessionContext, recorder: SocketRecorder): Promise<string> => {
  const keys = await hostKeys(ctx.dataDir)
  const banner = optionString(ctx, "banner", defaultBanner)
  const ident = banner.replace(/^SSH-2\.0-/, "")
  const policy = loginPolicy(ctx.shared, optionNumber(ctx, "acceptAfter", 0))
  const maxAuthTries = optionNumber(ctx, "maxAuthTries", 6)
  const hostname = optionString(ctx, "hostname", "localhost")

  return new Promise<string>((resolve) => {
    let reason: string | null = null
    const finish = (why: string) => {
      reason ??= why
      resolve(reason)
    }
    const server = new ssh2.Server({ hostKeys: [...keys], ident }, (client: Connection, info) => {
      const identRaw = info.header.identRaw.slice(0, maxField)
      recorder.sent(Buffer.from(`SSH-2.0-${ident}\r\n`, "latin1"), { banner: `SSH-2.0-${ident}` })
      recorder.received(Buffer.from(`${identRaw}\r\n`, "latin1"), {
        clientVersion: identRaw,
        software: info.header.versions.software.slice(0, maxField),
        comments: (info.header.comments ?? "").slice(0, maxField)
      })
      let failures = 0
      let user: string | null = null
      const reject = (auth: AuthContext) => {
        failures++
        auth.reject(methods)
        // OpenSSH's MaxAuthTries: past it, the server disconnects
        if (failures >= maxAuthTries) {
          reason ??= "too-many-auth-failures"
          client.end()
        }
      }
      client.on("authentication", (auth) => {
        const username = auth.username.slice(0, maxField)
        switch (auth.method) {
          case "password": {
            const decision = policy.attempt(ctx.remote.ip)
            recorder.credentials({ username, password: auth.password.slice(0, maxField), method: "password", detail: { attempt: decision.attempt, accepted: decision.accepted } })
            if (!decision.accepted) return reject(auth)
            user = username
            return auth.accept()
          }
          case "publickey":
            // offered keys are recorded once each: OpenSSH asks before it signs, and we always say no
            if (auth.signature === undefined) {
              recorder.credentials({ username, password: null, method: "publickey", detail: { keyType: auth.key.algo, fingerprint: fingerprint(auth.key.data) } })
            }
            return reject(auth)
          case "none":
            // a client's first request, asking which methods exist: not an attempt
            return auth.reject(methods)
          default:
            recorder.credentials({ username, password: null, method: auth.method, detail: {} })
            return reject(auth)
        }
      })
      client.on("ready", () => serveSessions(client, { user: user ?? "root", hostname, recorder }))
      client.on("error", (e: Error) => finish(`ssh-error ${e.message.slice(0, 120)}`))
      client.on("close", () => finish("closed-by-peer"))
    })
    server.on("error", (e: Error) => finish(`ssh-error ${e.message.slice(0, 120)}`))
    socket.on("close", () => finish("closed-by-peer"))
    server.injectSocket(socket)
  })
}

const sshTcp: SocketPlugin = {
  kind: "socket",
  name: "ssh",
  prepare: (_options, dataDir) => ensureHostKeys(dataDir),
  attach
}

export const ssh: PluginEntry = { tcp: sshTcp, description: "OpenSSH look-alike (ssh2): records versions, passwords and keys; optional fake shell" }
