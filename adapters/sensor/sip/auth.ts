/**
 * The honeypot's side of SIP digest authentication: every password is "right" once a
 * source has made `acceptAfter` attempts with a nonce we issued it. Until then — and
 * whenever the nonce is not one of ours — the client gets a fresh challenge, as a real
 * PBX answers a wrong password or a stale nonce (RFC 2617 §3.2.1 `stale=true`).
 *
 * What the client sent is recorded as a `sip-digest` credential with every field needed
 * to test password guesses offline (the digest covers the method and URI, RFC 2617 §3.2.2).
 */
import type { Credential } from "../Plugin.js"
import { formatChallenge, parseCredentials } from "./digest.js"
import { header } from "./message.js"
import type { Header, SipRequest } from "./message.js"
import type { NonceBook } from "./nonces.js"

export interface AuthPolicy {
  readonly realm: string
  /** authorized attempts (with our nonce) a source makes before one is accepted; 1 = the first */
  readonly acceptAfter: number
}

export interface AuthOutcome {
  /** the credential the request carried, if any */
  readonly credential: Credential | null
  /** the request echoed a nonce we issued to this source */
  readonly echoed: boolean
  readonly accepted: boolean
}

const detailKeys = ["realm", "uri", "nonce", "response", "algorithm", "qop", "nc", "cnonce", "opaque"] as const

export const authorize = (request: SipRequest, source: string, book: NonceBook, policy: AuthPolicy): AuthOutcome => {
  const value = header(request, "proxy-authorization") ?? header(request, "authorization")
  if (value === undefined) return { credential: null, echoed: false, accepted: false }
  const parsed = parseCredentials(value)
  if (parsed === null) return { credential: null, echoed: false, accepted: false }
  const p = parsed.params
  const nonce = p["nonce"] ?? ""
  const echoed = nonce !== "" && book.issued(source, nonce)
  const detail: Record<string, unknown> = { scheme: parsed.scheme, sipMethod: request.method, nonceIssued: echoed }
  for (const key of detailKeys) {
    const v = p[key]
    if (v !== undefined) detail[key] = v.slice(0, 256)
  }
  const credential: Credential = { username: (p["username"] ?? "").slice(0, 256), password: null, method: "sip-digest", detail }
  const accepted = echoed && parsed.scheme.toLowerCase() === "digest" && book.attempt(source) >= policy.acceptAfter
  return { credential, echoed, accepted }
}

/** WWW-Authenticate (401) or Proxy-Authenticate (407) with a fresh nonce for this source */
export const challenge = (
  status: 401 | 407,
  source: string,
  book: NonceBook,
  policy: AuthPolicy,
  outcome: AuthOutcome
): Header => ({
  name: status === 401 ? "WWW-Authenticate" : "Proxy-Authenticate",
  value: formatChallenge({
    realm: policy.realm,
    nonce: book.issue(source),
    opaque: book.opaque,
    // a credential with a nonce we never issued (or forgot) gets stale=true, as PJSIP does
    stale: outcome.credential !== null && !outcome.echoed,
    algorithm: "md5",
    qop: "auth"
  })
})
