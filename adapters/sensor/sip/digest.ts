/**
 * HTTP Digest as SIP uses it (RFC 3261 §22.4, RFC 2617, RFC 8760): the challenge we
 * send in WWW-Authenticate / Proxy-Authenticate, the credentials a client answers with
 * in Authorization / Proxy-Authorization, and the response computation (so tests, and
 * anyone replaying a capture offline, can check a guess against what was recorded).
 */
import { createHash, randomBytes } from "node:crypto"
import { splitList } from "./headers.js"

export interface DigestCredentials {
  readonly scheme: string
  /** parameter names lower-cased, values unquoted */
  readonly params: Readonly<Record<string, string>>
}

const unquote = (v: string): string => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, "$1") : v)

/** `Digest username="100", realm="asterisk", …` → scheme and parameters; null if no scheme */
export const parseCredentials = (value: string): DigestCredentials | null => {
  const m = /^\s*([A-Za-z][A-Za-z0-9-]*)(?:\s+(.*))?$/s.exec(value)
  if (m === null) return null
  const params: Record<string, string> = {}
  for (const item of splitList(m[2] ?? "")) {
    const eq = item.indexOf("=")
    if (eq <= 0) continue
    const key = item.slice(0, eq).trim().toLowerCase()
    // the first occurrence wins, and prototype keys never become properties
    if (Object.hasOwn(params, key) || key === "__proto__") continue
    params[key] = unquote(item.slice(eq + 1).trim())
  }
  return { scheme: m[1]!, params }
}

export interface Challenge {
  readonly realm: string
  readonly nonce: string
  readonly opaque?: string
  readonly algorithm?: string
  readonly qop?: string
  /** the credentials used a nonce we do not know (RFC 2617 §3.2.1) */
  readonly stale?: boolean
}

const quote = (v: string): string => `"${v.replace(/(["\\])/g, "\\$1")}"`

/** the value of a WWW-Authenticate / Proxy-Authenticate header, in Asterisk's (PJSIP's) order */
export const formatChallenge = (c: Challenge): string =>
  [
    `Digest realm=${quote(c.realm)}`,
    `nonce=${quote(c.nonce)}`,
    ...(c.opaque === undefined ? [] : [`opaque=${quote(c.opaque)}`]),
    ...(c.stale === true ? ["stale=true"] : []),
    ...(c.algorithm === undefined ? [] : [`algorithm=${c.algorithm}`]),
    ...(c.qop === undefined ? [] : [`qop=${quote(c.qop)}`])
  ].join(",")

/** Asterisk's PJSIP nonces look like `<unix seconds>/<32 hex>`; each challenge gets a fresh one. */
export const freshNonce = (now: Date = new Date()): string => `${Math.floor(now.getTime() / 1000)}/${randomBytes(16).toString("hex")}`

export const freshOpaque = (): string => randomBytes(8).toString("hex")

const md5 = (s: string): string => createHash("md5").update(s, "utf8").digest("hex")

export interface ResponseInput {
  readonly username: string
  readonly realm: string
  readonly password: string
  readonly method: string
  readonly uri: string
  readonly nonce: string
  readonly qop?: string
  readonly nc?: string
  readonly cnonce?: string
  readonly algorithm?: string
}

/** RFC 2617 §3.2.2.1 request-digest (MD5 and MD5-sess; qop "auth" or none) */
export const digestResponse = (i: ResponseInput): string => {
  const base = md5(`${i.username}:${i.realm}:${i.password}`)
  const ha1 = (i.algorithm ?? "").toLowerCase() === "md5-sess" ? md5(`${base}:${i.nonce}:${i.cnonce ?? ""}`) : base
  const ha2 = md5(`${i.method}:${i.uri}`)
  return i.qop === undefined || i.qop === ""
    ? md5(`${ha1}:${i.nonce}:${ha2}`)
    : md5(`${ha1}:${i.nonce}:${i.nc ?? ""}:${i.cnonce ?? ""}:${i.qop}:${ha2}`)
}
