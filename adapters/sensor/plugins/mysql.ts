/**
 * `mysql`: the connection phase of a MySQL server that lets nobody in.
 *
 * It greets with Initial Handshake v10 (version, fresh 20-byte salt, capabilities
 * with PROTOCOL_41, PLUGIN_AUTH, SECURE_CONNECTION, CONNECT_WITH_DB, CONNECT_ATTRS),
 * reads the login (HandshakeResponse41, or 320 from old clients), records it as
 * CredentialsTried — user, database, auth plugin, the auth response in hex and the
 * salt, which is all an analyst needs to test a wordlist offline against a
 * mysql_native_password scramble — and answers ERR 1045 (28000) "Access denied",
 * as a server whose accounts all have other passwords would.
 *
 * SSL is not offered (this plugin cannot speak TLS), so clients with SSL
 * "preferred" carry on in clear text; a client that asks for it anyway gets ERR
 * 1043 "Bad handshake", which is what a server built without SSL answers.
 *
 * Options: `version` (server version string), `authPlugin` (default plugin named
 * in the greeting).
 */
import { randomBytes } from "node:crypto"
import { decodeHandshakeResponse, encodeErr, encodeGreeting, serverCapabilities } from "../mysql/handshake.js"
import type { ErrPacket, HandshakeResponse } from "../mysql/handshake.js"
import { encodePacket, PacketFramer } from "../mysql/packets.js"
import { nothing, optionString } from "../Plugin.js"
import type { Credential, Facts, PluginEntry, SessionContext, Step, StreamPlugin } from "../Plugin.js"

const defaultVersion = "8.0.36-0ubuntu0.22.04.1"
const maxLoginPacket = 65536

/** salt bytes as mysqld makes them: printable, never NUL (the greeting NUL-terminates part 2) */
const salt = () => Buffer.from(randomBytes(20).map((b) => 0x21 + (b % 94)))

/** connection ids grow per listener from a random start, as a server that has been up a while */
const nextConnectionId = (ctx: SessionContext): number => {
  const last = ctx.shared.get("mysql-connection-id")
  const id = typeof last === "number" ? last + 1 + Math.floor(Math.random() * 3) : 1000 + Math.floor(Math.random() * 50_000)
  ctx.shared.set("mysql-connection-id", id)
  return id
}

const hex = (b: Buffer, cap = 256) => b.subarray(0, cap).toString("hex")

/** what the login says, for the PayloadReceived facts */
const loginFacts = (login: HandshakeResponse): Facts => ({
  protocol: login.kind,
  user: login.user.slice(0, 256),
  database: login.database?.slice(0, 256) ?? null,
  authPlugin: login.authPlugin?.slice(0, 64) ?? null,
  authResponse: hex(login.authResponse),
  clientCapabilities: `0x${login.capabilities.toString(16)}`,
  charset: login.charset,
  maxPacket: login.maxPacket,
  ...(Object.keys(login.attributes).length > 0 ? { attributes: login.attributes } : {})
})

const credentialOf = (login: HandshakeResponse, greetingSalt: Buffer, serverPlugin: string): Credential => {
  const plugin = login.authPlugin ?? (login.kind === "320" ? "mysql_old_password" : serverPlugin)
  // mysql_clear_password carries the password itself (NUL-terminated)
  const clear = plugin === "mysql_clear_password" ? login.authResponse.toString("utf8").replace(/\0$/, "") : null
  return {
    username: login.user.slice(0, 256),
    password: clear,
    method: plugin === "mysql_native_password" ? "mysql-native" : plugin.slice(0, 64),
    detail: { database: login.database, authPlugin: plugin, authResponse: hex(login.authResponse), salt: greetingSalt.toString("hex"), protocol: login.kind }
  }
}

const stream: StreamPlugin = {
  kind: "stream",
  name: "mysql",
  session: (ctx) => {
    const version = optionString(ctx, "version", defaultVersion)
    const authPlugin = optionString(ctx, "authPlugin", "mysql_native_password")
    const framer = new PacketFramer(maxLoginPacket)
    const greetingSalt = salt()
    const connectionId = nextConnectionId(ctx)
    let done = false

    const fail = (seq: number, err: ErrPacket, reason: string, facts: Facts, credentials: ReadonlyArray<Credential> = []): Step => {
      done = true
      return { send: [encodePacket(seq, encodeErr(err))], facts, credentials, sentFacts: { error: err.code }, close: reason }
    }

    return {
      open: () => ({
        send: [
          encodePacket(
            0,
            encodeGreeting({
              serverVersion: version,
              connectionId,
              salt: greetingSalt,
              capabilities: serverCapabilities,
              // utf8mb4_0900_ai_ci on 8.x, latin1_swedish_ci before
              charset: version.startsWith("8.") ? 255 : 8,
              status: 0x0002, // SERVER_STATUS_AUTOCOMMIT
              authPlugin
            })
          )
        ],
        sentFacts: { serverVersion: version, connectionId, authPlugin, salt: greetingSalt.toString("hex") }
      }),
      data: (chunk): Step => {
        if (done) return nothing
        const [frame] = framer.push(chunk)
        if (frame === undefined) return nothing
        const badHandshake = { code: 1043, sqlState: "08S01", message: "Bad handshake" }
        if (frame._tag === "Oversize") {
          const err = { code: 1153, sqlState: "08S01", message: "Got a packet bigger than 'max_allowed_packet' bytes" }
          return fail(frame.seq + 1, err, "oversize-packet", { oversize: frame.length })
        }
        const { seq, payload } = frame.packet
        const login = decodeHandshakeResponse(payload)
        if (login === null) return fail(seq + 1, badHandshake, "bad-handshake", { malformed: true, length: payload.length })
        if (login.kind === "ssl") return fail(seq + 1, badHandshake, "ssl-refused", { ...loginFacts(login), sslRequested: true })
        const credential = credentialOf(login, greetingSalt, authPlugin)
        const usingPassword = login.authResponse.length > 0 ? "YES" : "NO"
        const denied = {
          code: 1045,
          // a 4.1 client is told the SQLSTATE; a 3.20 client would not understand the marker
          sqlState: login.kind === "41" ? "28000" : null,
          message: `Access denied for user '${login.user.slice(0, 64)}'@'${ctx.remote.ip}' (using password: ${usingPassword})`
        }
        return fail(seq + 1, denied, "access-denied", loginFacts(login), [credential])
      }
    }
  }
}

export const mysql: PluginEntry = { tcp: stream, description: "MySQL 8.0 handshake; records the login and answers 1045 Access denied" }
