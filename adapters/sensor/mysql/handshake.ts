/**
 * The MySQL connection phase: the server's Initial Handshake v10, the client's
 * HandshakeResponse41 / HandshakeResponse320 / SSLRequest, and ERR packets
 * (MySQL source docs, "Connection Phase Packets"). `encode`/`decode` pairs, so
 * tests can round-trip and decode bytes captured from real clients.
 */
import { createHash } from "node:crypto"

/** Capability flags (include/mysql_com.h) */
export const Capability = {
  LONG_PASSWORD: 1,
  FOUND_ROWS: 2,
  LONG_FLAG: 4,
  CONNECT_WITH_DB: 8,
  NO_SCHEMA: 0x10,
  COMPRESS: 0x20,
  ODBC: 0x40,
  LOCAL_FILES: 0x80,
  IGNORE_SPACE: 0x100,
  PROTOCOL_41: 0x200,
  INTERACTIVE: 0x400,
  SSL: 0x800,
  IGNORE_SIGPIPE: 0x1000,
  TRANSACTIONS: 0x2000,
  RESERVED: 0x4000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x10000,
  MULTI_RESULTS: 0x20000,
  PS_MULTI_RESULTS: 0x40000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
  CAN_HANDLE_EXPIRED_PASSWORDS: 0x400000,
  SESSION_TRACK: 0x800000,
  DEPRECATE_EOF: 0x1000000
} as const

/** What a MySQL 8.0 server offers, less SSL and compression, which this emulator cannot do. */
export const serverCapabilities = (0x01ffffff & ~Capability.SSL & ~Capability.COMPRESS) >>> 0

export interface Greeting {
  readonly serverVersion: string
  readonly connectionId: number
  /** 20 bytes of auth-plugin-data */
  readonly salt: Buffer
  readonly capabilities: number
  readonly charset: number
  readonly status: number
  readonly authPlugin: string
}

export const encodeGreeting = (g: Greeting): Buffer => {
  const fixed = Buffer.alloc(4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10)
  fixed.writeUInt32LE(g.connectionId >>> 0, 0)
  g.salt.copy(fixed, 4, 0, 8)
  fixed.writeUInt16LE(g.capabilities & 0xffff, 13)
  fixed[15] = g.charset
  fixed.writeUInt16LE(g.status, 16)
  fixed.writeUInt16LE(g.capabilities >>> 16, 18)
  fixed[20] = g.salt.length + 1
  return Buffer.concat([Buffer.from([10]), cstring(g.serverVersion), fixed, g.salt.subarray(8), Buffer.from([0]), cstring(g.authPlugin)])
}

export const decodeGreeting = (payload: Buffer): Greeting | null => {
  const r = new Reader(payload)
  if (r.u8() !== 10) return null
  const serverVersion = r.cstring()
  const connectionId = r.u32()
  const salt1 = r.bytes(8)
  r.skip(1)
  const low = r.u16()
  const charset = r.u8()
  const status = r.u16()
  const capabilities = (low | (r.u16() << 16)) >>> 0
  const saltLength = r.u8()
  r.skip(10)
  const salt2 = r.bytes(Math.max(13, saltLength - 8))
  const authPlugin = r.cstring()
  if (r.bad) return null
  return { serverVersion, connectionId, salt: Buffer.concat([salt1, salt2.subarray(0, saltLength > 8 ? saltLength - 9 : 12)]), capabilities, charset, status, authPlugin }
}

export interface HandshakeResponse {
  /** "ssl": an SSLRequest, the truncated response a client sends before starting TLS */
  readonly kind: "41" | "320" | "ssl"
  readonly capabilities: number
  readonly maxPacket: number
  readonly charset: number
  readonly user: string
  readonly authResponse: Buffer
  readonly database: string | null
  readonly authPlugin: string | null
  readonly attributes: Readonly<Record<string, string>>
}

const maxAttributes = 32

export const decodeHandshakeResponse = (payload: Buffer): HandshakeResponse | null => {
  const r = new Reader(payload)
  const low = r.u16()
  if ((low & Capability.PROTOCOL_41) === 0) {
    // HandshakeResponse320: 2-byte capabilities, 3-byte max packet, user, auth (NUL-terminated when a db follows)
    const maxPacket = r.u24()
    const user = r.cstring()
    const withDb = (low & Capability.CONNECT_WITH_DB) !== 0
    const authResponse = withDb ? r.cbytes() : r.rest()
    const database = withDb ? r.cstring() : null
    if (r.bad) return null
    return { kind: "320", capabilities: low, maxPacket, charset: 0, user, authResponse: trimNul(authResponse), database, authPlugin: null, attributes: {} }
  }
  const capabilities = (low | (r.u16() << 16)) >>> 0
  const maxPacket = r.u32()
  const charset = r.u8()
  r.skip(23)
  if (r.bad) return null
  if (r.done) return { kind: "ssl", capabilities, maxPacket, charset, user: "", authResponse: Buffer.alloc(0), database: null, authPlugin: null, attributes: {} }
  const user = r.cstring()
  const authResponse =
    capabilities & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA ? r.bytes(r.lenenc()) : capabilities & Capability.SECURE_CONNECTION ? r.bytes(r.u8()) : r.cbytes()
  const database = capabilities & Capability.CONNECT_WITH_DB && !r.done ? r.cstring() : null
  const authPlugin = capabilities & Capability.PLUGIN_AUTH && !r.done ? r.cstring() : null
  const attributes: Record<string, string> = {}
  if (capabilities & Capability.CONNECT_ATTRS && !r.done) {
    const end = r.position + r.lenenc()
    while (!r.bad && r.position < end && Object.keys(attributes).length < maxAttributes) {
      const key = r.bytes(r.lenenc()).toString("utf8").slice(0, 64)
      attributes[key] = r.bytes(r.lenenc()).toString("utf8").slice(0, 256)
    }
  }
  if (r.bad) return null
  return { kind: "41", capabilities, maxPacket, charset, user, authResponse, database, authPlugin, attributes }
}

/** HandshakeResponse41 with length-encoded auth data (tests and round trips). */
export const encodeHandshakeResponse = (h: Omit<HandshakeResponse, "kind">): Buffer => {
  const fixed = Buffer.alloc(32)
  fixed.writeUInt32LE(h.capabilities >>> 0, 0)
  fixed.writeUInt32LE(h.maxPacket >>> 0, 4)
  fixed[8] = h.charset
  const attrs = Buffer.concat(Object.entries(h.attributes).flatMap(([k, v]) => [lenencString(k), lenencString(v)]))
  return Buffer.concat([
    fixed,
    cstring(h.user),
    lenencInt(h.authResponse.length),
    h.authResponse,
    ...(h.database === null ? [] : [cstring(h.database)]),
    ...(h.authPlugin === null ? [] : [cstring(h.authPlugin)]),
    ...(h.capabilities & Capability.CONNECT_ATTRS ? [lenencInt(attrs.length), attrs] : [])
  ])
}

export interface ErrPacket {
  readonly code: number
  readonly sqlState: string | null
  readonly message: string
}

/** ERR_Packet; the `#` + SQLSTATE marker only for clients that speak protocol 4.1 */
export const encodeErr = (e: ErrPacket): Buffer => {
  const head = Buffer.alloc(3)
  head[0] = 0xff
  head.writeUInt16LE(e.code, 1)
  return Buffer.concat([head, Buffer.from(e.sqlState === null ? "" : `#${e.sqlState}`, "latin1"), Buffer.from(e.message, "utf8")])
}

export const decodeErr = (payload: Buffer): ErrPacket | null => {
  if (payload[0] !== 0xff || payload.length < 3) return null
  const marker = payload[3] === 0x23 && payload.length >= 9
  return { code: payload.readUInt16LE(1), sqlState: marker ? payload.toString("latin1", 4, 9) : null, message: payload.toString("utf8", marker ? 9 : 3) }
}

/** mysql_native_password: SHA1(password) XOR SHA1(salt + SHA1(SHA1(password))) */
export const nativeScramble = (password: string, salt: Buffer): Buffer => {
  const sha1 = (...parts: Array<Buffer>) => createHash("sha1").update(Buffer.concat(parts)).digest()
  const stage1 = sha1(Buffer.from(password, "utf8"))
  const mix = sha1(salt, sha1(stage1))
  return Buffer.from(stage1.map((b, i) => b ^ mix[i]!))
}

const cstring = (s: string) => Buffer.concat([Buffer.from(s, "utf8"), Buffer.from([0])])
const lenencString = (s: string) => Buffer.concat([lenencInt(Buffer.byteLength(s)), Buffer.from(s, "utf8")])
const lenencInt = (n: number): Buffer => {
  if (n < 251) return Buffer.from([n])
  const b = Buffer.alloc(n < 0x10000 ? 3 : 4)
  b[0] = n < 0x10000 ? 0xfc : 0xfd
  b.writeUIntLE(n, 1, b.length - 1)
  return b
}
const littleEndian = (b: Buffer) => b.reduce((acc, byte, i) => acc + byte * 2 ** (8 * i), 0)
const trimNul = (b: Buffer) => (b.at(-1) === 0 ? b.subarray(0, -1) : b)

/** Reads without throwing: running past the end sets `bad` and yields zeros and empty strings. */
class Reader {
  position = 0
  bad = false
  constructor(private readonly buf: Buffer) {}
  get done() {
    return this.position >= this.buf.length
  }
  private take(n: number): Buffer {
    if (n < 0 || this.position + n > this.buf.length) {
      this.bad = true
      this.position = this.buf.length
      return Buffer.alloc(0)
    }
    this.position += n
    return this.buf.subarray(this.position - n, this.position)
  }
  skip(n: number) {
    this.take(n)
  }
  u8 = () => this.take(1)[0] ?? 0
  u16 = () => littleEndian(this.take(2))
  u24 = () => littleEndian(this.take(3))
  u32 = () => littleEndian(this.take(4))
  bytes = (n: number) => this.take(n)
  rest = () => this.take(this.buf.length - this.position)
  /** bytes up to a NUL (consumed); to the end when there is none */
  cbytes = () => {
    const nul = this.buf.indexOf(0, this.position)
    const value = this.take((nul < 0 ? this.buf.length : nul) - this.position)
    if (nul >= 0) this.position++
    return value
  }
  cstring = () => this.cbytes().toString("utf8")
  /** length-encoded integer; 0xfb (NULL) and 8-byte forms are treated as malformed here */
  lenenc = (): number => {
    const first = this.u8()
    if (first < 0xfb) return first
    if (first === 0xfc) return this.u16()
    if (first === 0xfd) return this.u24()
    this.bad = true
    return 0
  }
}
