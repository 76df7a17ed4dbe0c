/**
 * Speaker and peer options (the shape of `bgp.*` in honeyhole.yaml, plus tuning
 * knobs with defaults) and their validation into what sessions run with.
 */
import { Duration, Either } from "effect"
import { parseIp } from "../../../domain/ip.js"
import { formatCommunities, parseCommunities } from "../codec/community.js"
import type { Communities } from "../codec/community.js"
import { isBgpIdentifier } from "../codec/open.js"
import type { Family } from "../codec/prefix.js"

export interface PeerOptions {
  readonly name: string
  readonly address: string
  /** the peer's port (active), or the port we listen on (passive) */
  readonly port: number
  readonly peerAs: number
  /** source address of our connection (active) or the address we listen on (passive) */
  readonly localAddress?: string | undefined
  /** wait for the peer to connect instead of connecting */
  readonly passive: boolean
  readonly holdTime?: number | undefined
}

export interface SpeakerOptions {
  readonly localAs: number
  readonly routerId: string
  readonly nextHop: { readonly ipv4: string; readonly ipv6: string }
  readonly communities: ReadonlyArray<string>
  readonly peers: ReadonlyArray<PeerOptions>
  /** proposed hold time in seconds (default 90; 0 = no keepalives, or 3..65535) */
  readonly holdTime?: number | undefined
  /** LOCAL_PREF on iBGP sessions (default 100) */
  readonly localPref?: number | undefined
  readonly med?: number | undefined
  /** reconnect backoff: exponential from `base`, capped at `cap` (defaults 500 ms, 10 s) */
  readonly reconnect?: { readonly base: Duration.DurationInput; readonly cap: Duration.DurationInput } | undefined
  /** how long to wait for the peer's OPEN (RFC 4271 §8.2.2 suggests 4 minutes) */
  readonly openTimeout?: Duration.DurationInput | undefined
  readonly connectTimeout?: Duration.DurationInput | undefined
}

export interface NextHop {
  readonly text: string
  readonly bytes: Uint8Array
}

/** What every session of the speaker shares. */
export interface SpeakerSettings {
  readonly localAs: number
  readonly routerId: string
  readonly holdTime: number
  readonly nextHop: Readonly<Record<Family, NextHop>>
  readonly communities: Communities
  readonly communityTexts: ReadonlyArray<string>
  readonly localPref: number
  readonly med: number | undefined
  readonly reconnectBase: Duration.Duration
  readonly reconnectCap: Duration.Duration
  readonly openTimeout: Duration.Duration
  readonly connectTimeout: Duration.Duration
  /** families we offer (multiprotocol capabilities) */
  readonly families: ReadonlyArray<Family>
}

const asnOk = (n: number) => Number.isInteger(n) && n >= 1 && n <= 0xffffffff
const holdOk = (n: number) => Number.isInteger(n) && (n === 0 || (n >= 3 && n <= 0xffff))

const nextHopOf = (text: string, family: Family, key: string): Either.Either<NextHop, string> => {
  const ip = parseIp(text)
  if (ip === null || ip.family !== family) return Either.left(`bgp.nextHop.${key}: expected an IPv${family} address, got ${JSON.stringify(text)}`)
  return Either.right({ text, bytes: ip.bytes })
}

export const validatePeer = (p: PeerOptions): Either.Either<PeerOptions, string> => {
  const at = `bgp.peers[${p.name}]`
  if (!/^[A-Za-z0-9_.]+$/.test(p.name)) return Either.left(`${at}.name: expected letters, digits, _ and .`)
  if (parseIp(p.address) === null) return Either.left(`${at}.address: expected an IP address, got ${JSON.stringify(p.address)}`)
  if (p.localAddress !== undefined && parseIp(p.localAddress) === null) {
    return Either.left(`${at}.localAddress: expected an IP address, got ${JSON.stringify(p.localAddress)}`)
  }
  if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) return Either.left(`${at}.port: expected 1–65535, got ${p.port}`)
  if (!asnOk(p.peerAs)) return Either.left(`${at}.peerAs: expected an AS number 1–4294967295, got ${p.peerAs}`)
  if (p.holdTime !== undefined && !holdOk(p.holdTime)) return Either.left(`${at}.holdTime: expected 0 or 3–65535, got ${p.holdTime}`)
  return Either.right(p)
}

export const resolveSettings = (o: SpeakerOptions): Either.Either<SpeakerSettings, string> =>
  Either.gen(function*() {
    if (!asnOk(o.localAs)) return yield* Either.left(`bgp.localAs: expected 1–4294967295, got ${o.localAs}`)
    if (!isBgpIdentifier(o.routerId)) return yield* Either.left(`bgp.routerId: expected a non-zero dotted quad, got ${JSON.stringify(o.routerId)}`)
    const holdTime = o.holdTime ?? 90
    if (!holdOk(holdTime)) return yield* Either.left(`bgp.holdTime: expected 0 or 3–65535, got ${holdTime}`)
    const v4 = yield* nextHopOf(o.nextHop.ipv4, 4, "ipv4")
    const v6 = yield* nextHopOf(o.nextHop.ipv6, 6, "ipv6")
    const communities = yield* Either.mapLeft(parseCommunities(o.communities), (e) => `bgp.communities: ${e}`)
    for (const p of o.peers) yield* validatePeer(p)
    const names = o.peers.map((p) => p.name)
    const dup = names.find((n, i) => names.indexOf(n) !== i)
    if (dup !== undefined) return yield* Either.left(`bgp.peers: peer name ${dup} is used twice`)
    return {
      localAs: o.localAs,
      routerId: o.routerId,
      holdTime,
      nextHop: { 4: v4, 6: v6 },
      communities,
      communityTexts: formatCommunities(communities),
      localPref: o.localPref ?? 100,
      med: o.med,
      reconnectBase: Duration.decode(o.reconnect?.base ?? "500 millis"),
      reconnectCap: Duration.decode(o.reconnect?.cap ?? "10 seconds"),
      openTimeout: Duration.decode(o.openTimeout ?? "4 minutes"),
      connectTimeout: Duration.decode(o.connectTimeout ?? "5 seconds"),
      families: [4, 6]
    }
  })
