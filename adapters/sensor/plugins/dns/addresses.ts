/**
 * Addresses the fake resolver hands out: stable per name (a name resolves the same
 * way every time, as a real zone would) and always inside documentation space —
 * TEST-NET-1/2/3 (RFC 5737) and 2001:db8::/32 (RFC 3849) — so an answer can never
 * point anybody at a real host.
 */
import { createHash } from "node:crypto"
import { canonicalIp } from "../../../../domain/ip.js"

const testNets: ReadonlyArray<readonly [number, number, number]> = [
  [192, 0, 2],
  [198, 51, 100],
  [203, 0, 113]
]

const digest = (name: string, salt: string) =>
  createHash("sha256").update(salt).update("\0").update(name.toLowerCase().replace(/\.$/, "")).digest()

export const ipv4For = (name: string, salt = ""): string => {
  const h = digest(name, salt)
  const net = testNets[h[0]! % testNets.length]!
  // host part 1…254: never the network or broadcast address
  return `${net.join(".")}.${1 + (h[1]! % 254)}`
}

export const ipv6For = (name: string, salt = ""): string => {
  const h = digest(name, salt)
  const groups = ["2001", "db8"]
  for (let i = 0; i < 6; i++) groups.push(h.readUInt16BE(2 + 2 * i).toString(16))
  const text = groups.join(":")
  return canonicalIp(text) ?? text // RFC 5952 text, as resolvers print it
}
