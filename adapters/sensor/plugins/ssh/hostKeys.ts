/**
 * SSH host keys, generated once into `<dataDir>/sensor/ssh/` (like a Debian install's
 * /etc/ssh/ssh_host_*_key) and reused, so returning attackers see the same fingerprint.
 * Keys come from node:crypto; ed25519 is written in the "openssh-key-v1" format by hand
 * (PROTOCOL.key in OpenSSH), since node only exports PKCS#8 and ssh2 reads ed25519
 * keys only in OpenSSH's format. RSA is PKCS#1 PEM, which both read.
 */
import { createHash, generateKeyPair, randomBytes } from "node:crypto"
import type { KeyObject } from "node:crypto"
import { mkdir, readFile, rename, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { promisify } from "node:util"
// ssh2 is CommonJS without named exports node can detect: import its module object
import ssh2 from "ssh2"

const generate = promisify(generateKeyPair)

export const hostKeyDir = (dataDir: string) => join(dataDir, "sensor", "ssh")

/** SSH wire "string": uint32 length, then bytes (RFC 4251 §5) */
const sshString = (data: Uint8Array | string): Buffer => {
  const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : Buffer.from(data)
  const len = Buffer.alloc(4)
  len.writeUInt32BE(bytes.length, 0)
  return Buffer.concat([len, bytes])
}

/** SSH "mpint": big-endian two's complement, a leading zero byte when the top bit is set */
const mpint = (unsigned: Buffer): Buffer => sshString(unsigned[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), unsigned]) : unsigned)

const b64url = (s: string | undefined): Buffer => {
  if (s === undefined) throw new Error("JWK export without key material")
  return Buffer.from(s, "base64url")
}

const pem = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der.toString("base64").replace(/.{1,70}/g, "$&\n")}-----END ${label}-----\n`

const ed25519Files = (privateKey: KeyObject, comment: string) => {
  const jwk = privateKey.export({ format: "jwk" })
  const seed = b64url(jwk.d)
  const pub = b64url(jwk.x)
  const publicBlob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub)])
  const check = randomBytes(4)
  let secret = Buffer.concat([check, check, sshString("ssh-ed25519"), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)])
  // padded with 1, 2, 3… to the cipher block size (8 for "none")
  const pad = (8 - (secret.length % 8)) % 8
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))])
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "latin1"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    Buffer.from([0, 0, 0, 1]),
    sshString(publicBlob),
    sshString(secret)
  ])
  return { private: pem("OPENSSH PRIVATE KEY", body), public: `ssh-ed25519 ${publicBlob.toString("base64")} ${comment}\n` }
}

const rsaFiles = (privateKey: KeyObject, comment: string) => {
  const jwk = privateKey.export({ format: "jwk" })
  const publicBlob = Buffer.concat([sshString("ssh-rsa"), mpint(b64url(jwk.e)), mpint(b64url(jwk.n))])
  const der = privateKey.export({ format: "der", type: "pkcs1" })
  return { private: pem("RSA PRIVATE KEY", der), public: `ssh-rsa ${publicBlob.toString("base64")} ${comment}\n` }
}

const kinds = {
  ed25519: async (comment: string) => ed25519Files((await generate("ed25519")).privateKey, comment),
  rsa: async (comment: string) => rsaFiles((await generate("rsa", { modulusLength: 3072 })).privateKey, comment)
} as const

const exists = (path: string) =>
  readFile(path).then(
    () => true,
    () => false
  )

/** generates the keys that are missing; concurrent callers (a port range) race harmlessly */
export const ensureHostKeys = async (dataDir: string, comment = "root@debian"): Promise<void> => {
  const dir = hostKeyDir(dataDir)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  for (const [kind, make] of Object.entries(kinds)) {
    const file = join(dir, `ssh_host_${kind}_key`)
    if (await exists(file)) continue
    const keys = await make(comment)
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`
    await writeFile(`${tmp}.pub`, keys.public, { mode: 0o644 })
    await writeFile(tmp, keys.private, { mode: 0o600 })
    // public first, so whoever sees the private key also finds its .pub
    await rename(`${tmp}.pub`, `${file}.pub`)
    await rename(tmp, file)
  }
}

const loaded = new Map<string, Promise<ReadonlyArray<Buffer>>>()

/**
 * The host keys of a data dir (PEM text), generated on first use and checked once with
 * ssh2's parser. ssh2's Server wants the key text itself, not parsed keys.
 */
export const hostKeys = (dataDir: string): Promise<ReadonlyArray<Buffer>> => {
  const dir = hostKeyDir(dataDir)
  let keys = loaded.get(dir)
  if (keys === undefined) {
    keys = ensureHostKeys(dataDir).then(() =>
      Promise.all(
        Object.keys(kinds).map(async (kind) => {
          const text = await readFile(join(dir, `ssh_host_${kind}_key`))
          const parsed = ssh2.utils.parseKey(text)
          if (parsed instanceof Error) throw new Error(`ssh_host_${kind}_key: ${parsed.message}`)
          return text
        })
      )
    )
    keys.catch(() => loaded.delete(dir))
    loaded.set(dir, keys)
  }
  return keys
}

/** OpenSSH's fingerprint notation: "SHA256:" + unpadded base64 of the key blob's digest */
export const fingerprint = (blob: Uint8Array): string => `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`
