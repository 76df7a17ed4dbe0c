/** MySQL codec: packet framing, handshake packets (round trips, bytes captured from libmariadb 3.3.20), ERR, garbage. */
import { randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import {
  Capability,
  decodeErr,
  decodeGreeting,
  decodeHandshakeResponse,
  encodeErr,
  encodeGreeting,
  encodeHandshakeResponse,
  nativeScramble,
  serverCapabilities
} from "../../adapters/sensor/mysql/handshake.js"
import { encodePacket, PacketFramer } from "../../adapters/sensor/mysql/packets.js"

/** our greeting and the `mysql -u root -pSecret -D shop --skip-ssl` login that answered it */
const capturedGreeting = Buffer.from(
  "5b0000000a382e302e33362d307562756e7475302e32322e30342e3100fbb900004c6727364678472b00dff7ff0200ff0115000000000000000000005c422c53313d474228215277006d7973716c5f6e61746976655f70617373776f726400",
  "hex"
)
const capturedLogin = Buffer.from(
  "d40000018da2bf0000001000080000000000000000000000000000000000000000000000726f6f740014d4cf428204f630b0789351166dc9ea5109f5e07a73686f70006d7973716c5f6e61746976655f70617373776f7264007e035f6f73054c696e75780c5f636c69656e745f6e616d650a6c69626d617269616462045f70696404313438330f5f636c69656e745f76657273696f6e06332e332e3230095f706c6174666f726d067838365f36340c70726f6772616d5f6e616d65056d7973716c0c5f7365727665725f686f7374093132372e302e302e31",
  "hex"
)

const packetsOf = (bytes: Buffer, step = bytes.length) => {
  const framer = new PacketFramer()
  const out = []
  for (let i = 0; i < bytes.length; i += step) out.push(...framer.push(bytes.subarray(i, i + step)))
  return out
}

describe("MySQL packet framer", () => {
  it("round-trips packets fed whole or a byte at a time", () => {
    const a = randomBytes(300)
    const b = Buffer.alloc(0)
    const bytes = Buffer.concat([encodePacket(0, a), encodePacket(1, b), encodePacket(255, Buffer.from("x"))])
    for (const step of [bytes.length, 1, 3]) {
      expect(packetsOf(bytes, step)).toEqual([
        { _tag: "Packet", packet: { seq: 0, payload: a } },
        { _tag: "Packet", packet: { seq: 1, payload: b } },
        { _tag: "Packet", packet: { seq: 255, payload: Buffer.from("x") } }
      ])
    }
  })

  it("refuses a declared length over the cap without buffering it, then stays silent", () => {
    const framer = new PacketFramer(1024)
    expect(framer.push(Buffer.from([0x00, 0x04, 0x00, 0x01]))).toEqual([]) // exactly 1024: fine, waits
    expect(framer.pending).toBe(4)
    const big = new PacketFramer(1024)
    expect(big.push(Buffer.from([0x01, 0x04, 0x00, 0x07, 1, 2, 3]))).toEqual([{ _tag: "Oversize", seq: 7, length: 1025 }])
    expect(big.pending).toBe(0)
    expect(big.push(encodePacket(0, Buffer.from("x")))).toEqual([])
  })
})

describe("MySQL handshake packets", () => {
  it("decodes the captured exchange, and the scramble verifies against the password offline", () => {
    const [greeting] = packetsOf(capturedGreeting)
    const [login] = packetsOf(capturedLogin)
    if (greeting?._tag !== "Packet" || login?._tag !== "Packet") throw new Error("expected two packets")
    const g = decodeGreeting(greeting.packet.payload)!
    expect(g).toMatchObject({ serverVersion: "8.0.36-0ubuntu0.22.04.1", connectionId: 47611, capabilities: serverCapabilities, charset: 255 })
    const r = decodeHandshakeResponse(login.packet.payload)!
    expect(login.packet.seq).toBe(1)
    expect(r).toMatchObject({ kind: "41", user: "root", database: "shop", authPlugin: "mysql_native_password", charset: 8, maxPacket: 1 << 20 })
    expect(r.attributes).toEqual({
      _os: "Linux",
      _client_name: "libmariadb",
      _pid: "1483",
      _client_version: "3.3.20",
      _platform: "x86_64",
      program_name: "mysql",
      _server_host: "127.0.0.1"
    })
    expect(r.authResponse).toEqual(nativeScramble("Secret", g.salt))
    expect(r.authResponse).not.toEqual(nativeScramble("secret", g.salt))
  })

  it("round-trips greetings, responses and ERR packets", () => {
    const greeting = { serverVersion: "5.7.44", connectionId: 9, salt: Buffer.from("abcdefghijklmnopqrst"), capabilities: serverCapabilities, charset: 8, status: 2, authPlugin: "mysql_native_password" }
    expect(decodeGreeting(encodeGreeting(greeting))).toEqual(greeting)
    const caps = Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA | Capability.CONNECT_WITH_DB | Capability.CONNECT_ATTRS
    const response = { capabilities: caps, maxPacket: 16_777_216, charset: 45, user: "ü", authResponse: randomBytes(300), database: "db", authPlugin: "caching_sha2_password", attributes: { k: "v".repeat(250) } }
    expect(decodeHandshakeResponse(encodeHandshakeResponse(response))).toEqual({ kind: "41", ...response })
    const err = { code: 1045, sqlState: "28000", message: "Access denied for user 'ü'@'x' (using password: NO)" }
    expect(decodeErr(encodeErr(err))).toEqual(err)
    expect(decodeErr(encodeErr({ ...err, sqlState: null }))).toEqual({ ...err, sqlState: null })
  })

  it("reads an old HandshakeResponse320 and an SSLRequest", () => {
    // 3.20 protocol: 2-byte caps (LONG_PASSWORD|CONNECT_WITH_DB), 3-byte max packet, user NUL, scramble NUL, db NUL
    const old = Buffer.concat([Buffer.from([0x09, 0x00, 0xff, 0xff, 0xff]), Buffer.from("bob\0SCRAMBLE\0test\0", "latin1")])
    expect(decodeHandshakeResponse(old)).toMatchObject({ kind: "320", user: "bob", authResponse: Buffer.from("SCRAMBLE"), database: "test" })
    const ssl = Buffer.alloc(32)
    ssl.writeUInt32LE(Capability.PROTOCOL_41 | Capability.SSL, 0)
    expect(decodeHandshakeResponse(ssl)).toMatchObject({ kind: "ssl", user: "" })
  })

  it("never throws on garbage", () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(i % 120)
      if (i % 2 === 0 && bytes.length > 2) bytes[1] = bytes[1]! | 0x02 // often claim PROTOCOL_41
      const r = decodeHandshakeResponse(bytes)
      if (r !== null) expect(["41", "320", "ssl"]).toContain(r.kind)
      decodeGreeting(bytes)
      decodeErr(bytes)
    }
    expect(decodeHandshakeResponse(capturedLogin.subarray(4, 50))).toBeNull()
  })
})
