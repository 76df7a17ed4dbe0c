/** What `bgp status` shows per peer. */
export type PeerState = "Idle" | "Connect" | "Active" | "OpenSent" | "OpenConfirm" | "Established"

export interface PeerStatus {
  readonly name: string
  readonly address: string
  readonly port: number
  readonly peerAs: number
  readonly passive: boolean
  readonly state: PeerState
  /** epoch ms of the current session's establishment, null when not Established */
  readonly establishedAt: number | null
  /** prefixes in this peer's Adj-RIB-Out (what it has from us now) */
  readonly routesAnnounced: number
  readonly peerRouterId: string | null
  readonly holdTime: number | null
  /** negotiated families and the peer's capabilities */
  readonly families: ReadonlyArray<string>
  readonly capabilities: ReadonlyArray<string>
  readonly sessionsEstablished: number
  readonly connectAttempts: number
  readonly lastError: string | null
  readonly lastErrorAt: number | null
}

export const initialStatus = (p: { name: string; address: string; port: number; peerAs: number; passive: boolean }): PeerStatus => ({
  name: p.name,
  address: p.address,
  port: p.port,
  peerAs: p.peerAs,
  passive: p.passive,
  state: "Idle",
  establishedAt: null,
  routesAnnounced: 0,
  peerRouterId: null,
  holdTime: null,
  families: [],
  capabilities: [],
  sessionsEstablished: 0,
  connectAttempts: 0,
  lastError: null,
  lastErrorAt: null
})

/** Uptime in ms at `now`, 0 when not Established. */
export const uptimeMs = (s: PeerStatus, now: number): number => (s.establishedAt === null ? 0 : Math.max(0, now - s.establishedAt))
