/**
 * The mysql plugin against the real MariaDB client `mysql` (Debian package
 * mariadb-client) over listeners on 127.0.0.1: ERROR 1045 for every login, the
 * login recorded with what it takes to check a password guess offline, then raw
 * sockets for an SSLRequest, garbage and an oversize packet.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decodeErr, decodeGreeting, nativeScramble } from "../../adapters/sensor/mysql/handshake.js"
import { encodePacket, PacketFramer } from "../../adapters/sensor/mysql/packets.js"
import { eventually, tcp } from "../support/converse.js"
import { freeTcpPort } from "../support/free-port.js"
import { requirePeer } from "../support/peers.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"
import { receivedFacts, runClient } from "./client.js"

const client = requirePeer({ name: "mysql plugin vs the MariaDB client", binaries: ["mysql"], debPackages: ["mariadb-client"] })

let sensor: RunningSensor
let port = 0
let oldPort = 0

const mysql = (p: number, ...args: Array<string>) =>
  runClient(client.path("mysql"), ["--no-defaults", "-h", "127.0.0.1", "-P", String(p), "--connect-timeout=5", ...args, "-e", "select 1"])

/** the server's answers on a raw connection */
const packets = (bytes: Buffer) => new PacketFramer().push(bytes).flatMap((f) => (f._tag === "Packet" ? [f.packet] : []))

describe.skipIf(!client.available)("mysql plugin vs the MariaDB mysql client (real client)", () => {
  beforeAll(async () => {
    port = await freeTcpPort()
    oldPort = await freeTcpPort()
    sensor = await startSensor([
      { name: "mysql", port, publicPort: 3306, transport: "tcp", plugin: "mysql" },
      { name: "mysql-57", port: oldPort, transport: "tcp", plugin: "mysql", options: { version: "5.7.44-log" } }
    ])
  })
  afterAll(() => sensor.stop())

  it("answers ERROR 1045 and records user, database, plugin and a scramble that verifies offline", async () => {
    const r = await mysql(port, "-u", "root", "-pSecret", "--skip-ssl", "-D", "shop")
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe("ERROR 1045 (28000): Access denied for user 'root'@'127.0.0.1' (using password: YES)")
    const cred = await eventually(async () => (await sensor.ofType("CredentialsTried")).find((c) => c.username === "root"))
    expect(cred).toMatchObject({ service: "mysql", password: null, method: "mysql-native", detail: { database: "shop", authPlugin: "mysql_native_password", protocol: "41" } })
    const detail = cred.detail as { salt: string; authResponse: string }
    expect(nativeScramble("Secret", Buffer.from(detail.salt, "hex")).toString("hex")).toBe(detail.authResponse)
    const login = receivedFacts(await sensor.events()).find((f) => f["user"] === "root")
    expect(login).toMatchObject({ database: "shop", attributes: { _client_name: "libmariadb", program_name: "mysql" } })
  })

  it("says 'using password: NO' for an empty password, and talks to clients whose SSL is only preferred", async () => {
    const r = await mysql(oldPort, "-u", "admin", "--ssl")
    expect(r.stderr.trim()).toBe("ERROR 1045 (28000): Access denied for user 'admin'@'127.0.0.1' (using password: NO)")
    const cred = await eventually(async () => (await sensor.ofType("CredentialsTried")).find((c) => c.username === "admin"))
    expect(cred.detail).toMatchObject({ authResponse: "", database: null })
    const sent = await sensor.ofType("PayloadSent")
    expect(sent.map((s) => s.facts["serverVersion"])).toContain("5.7.44-log")
  })

  it("greets with a v10 handshake without SSL and refuses an SSLRequest with Bad handshake", async () => {
    const c = await tcp(port)
    await c.until(/mysql_native_password\0$/)
    const [greeting] = packets(c.received())
    const g = decodeGreeting(greeting!.payload)!
    expect(g).toMatchObject({ serverVersion: "8.0.36-0ubuntu0.22.04.1", charset: 255, status: 2, authPlugin: "mysql_native_password" })
    expect(g.salt).toHaveLength(20)
    expect(g.capabilities & 0x800).toBe(0) // no CLIENT_SSL
    expect(g.capabilities & 0x200 && g.capabilities & 0x80000 && g.capabilities & 0x8000 && g.capabilities & 0x8).toBeTruthy()
    const ssl = Buffer.alloc(32)
    ssl.writeUInt32LE(0x000aa20d | 0x800, 0)
    ssl.writeUInt32LE(16 << 20, 4)
    ssl[8] = 45
    c.send(encodePacket(1, ssl))
    await c.closed
    const [, err] = packets(c.received())
    expect(err?.seq).toBe(2)
    expect(decodeErr(err!.payload)).toEqual({ code: 1043, sqlState: "08S01", message: "Bad handshake" })
    const facts = await eventually(async () => receivedFacts(await sensor.events()).find((f) => f["sslRequested"] === true))
    expect(facts).toMatchObject({ protocol: "ssl", charset: 45 })
  })

  it("survives garbage and a 1 MB packet length; the listener keeps serving", async () => {
    const answers: Array<unknown> = []
    const garbage = Buffer.from([0x05, 0x00, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05])
    const http = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n") // "GET" reads as a 5.5 MB length
    const megabyte = Buffer.from([0xff, 0xff, 0x0f, 0x01, ...Buffer.alloc(60_000, 7)])
    for (const abuse of [garbage, http, megabyte]) {
      const c = await tcp(port)
      c.socket.on("error", () => undefined)
      await c.until("mysql_native_password")
      c.send(abuse)
      await c.closed
      const [, err] = packets(c.received())
      answers.push(decodeErr(err!.payload)?.code)
    }
    expect(answers).toEqual([1043, 1153, 1153])
    const r = await mysql(port, "-u", "after", "-px", "--skip-ssl")
    expect(r.stderr).toContain("ERROR 1045 (28000)")
    const reasons = (await sensor.ofType("ContactClosed")).map((c) => c.reason)
    expect(reasons).toEqual(expect.arrayContaining(["bad-handshake", "oversize-packet", "access-denied"]))
  })
})
