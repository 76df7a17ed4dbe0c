/**
 * A self-signed X.509 certificate, generated once into `<dataDir>/sensor/tls/` and
 * reused, like Debian's ssl-cert "snakeoil" certificate that real default installs
 * serve. Encoded here in DER by hand (RFC 5280) with node:crypto for keys and the
 * signature, so no certificate library or openssl binary is needed.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const der = (tag: number, content: Buffer): Buffer => {
  const len = content.length
  const header =
    len < 0x80 ? Buffer.from([tag, len]) : len < 0x100 ? Buffer.from([tag, 0x81, len]) : Buffer.from([tag, 0x82, len >> 8, len & 0xff])
  return Buffer.concat([header, content])
}
const seq = (...items: Array<Buffer>) => der(0x30, Buffer.concat(items))
const set = (...items: Array<Buffer>) => der(0x31, Buffer.concat(items))
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split(".").map(Number) as [number, number, ...Array<number>]
  const bytes = [40 * a + b]
  for (const n of rest) {
    const parts = [n & 0x7f]
    for (let v = n >> 7; v > 0; v >>= 7) parts.unshift((v & 0x7f) | 0x80)
    bytes.push(...parts)
  }
  return der(0x06, Buffer.from(bytes))
}
const utf8 = (s: string) => der(0x0c, Buffer.from(s, "utf8"))
const printable = (s: string) => der(0x13, Buffer.from(s, "ascii"))
const integer = (b: Buffer) => der(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b)
const time = (d: Date) => {
  const iso = d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z"
  // UTCTime until 2049 (RFC 5280 §4.1.2.5), GeneralizedTime after
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2), "ascii")) : der(0x18, Buffer.from(iso, "ascii"))
}
const explicit = (n: number, content: Buffer) => der(0xa0 + n, content)
const nullValue = Buffer.from([0x05, 0x00])
const sha256WithRsa = seq(oid("1.2.840.113549.1.1.11"), nullValue)

const name = (commonName: string) =>
  seq(set(seq(oid("2.5.4.6"), printable("US"))), set(seq(oid("2.5.4.10"), utf8("Internet Widgits Pty Ltd"))), set(seq(oid("2.5.4.3"), utf8(commonName))))

export interface Certificate {
  readonly key: string
  readonly cert: string
}

export const createSelfSigned = (commonName: string, now = new Date()): Certificate => {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
  const spki = publicKey.export({ type: "spki", format: "der" })
  const serial = randomBytes(16)
  serial[0] = serial[0]! & 0x7f
  const notAfter = new Date(now.getTime() + 10 * 365 * 86_400_000)
  const subjectAltName = seq(oid("2.5.29.17"), der(0x04, seq(der(0x82, Buffer.from(commonName, "ascii")))))
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    sha256WithRsa,
    name(commonName),
    seq(time(new Date(now.getTime() - 86_400_000)), time(notAfter)),
    name(commonName),
    spki,
    explicit(3, seq(subjectAltName))
  )
  const signature = sign("sha256", tbs, privateKey)
  const certificate = seq(tbs, sha256WithRsa, der(0x03, Buffer.concat([Buffer.from([0]), signature])))
  const pem = `-----BEGIN CERTIFICATE-----\n${certificate.toString("base64").replace(/(.{64})/g, "$1\n").trimEnd()}\n-----END CERTIFICATE-----\n`
  return { key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), cert: pem }
}

/** Loads the sensor's certificate, creating it on first use. */
export const loadOrCreateCertificate = async (dataDir: string, commonName = "localhost"): Promise<Certificate> => {
  const dir = join(dataDir, "sensor", "tls")
  const keyFile = join(dir, "key.pem")
  const certFile = join(dir, "cert.pem")
  if (existsSync(keyFile) && existsSync(certFile)) {
    const key = readFileSync(keyFile, "utf8")
    // a damaged key is regenerated rather than failing every TLS session
    if (createPublicKey(createPrivateKey(key)).asymmetricKeyType === "rsa") return { key, cert: readFileSync(certFile, "utf8") }
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const created = createSelfSigned(commonName)
  writeFileSync(keyFile, created.key, { mode: 0o600 })
  writeFileSync(certFile, created.cert)
  return created
}
