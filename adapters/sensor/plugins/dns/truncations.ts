/**
 * Which sources we answered with TC=1, remembered so their retry over TCP proves they
 * receive our replies (a spoofed source cannot complete a TCP handshake).
 *
 * Why a module-level map and not `ctx.shared`: a DNS service runs two listeners,
 * udp:PORT and tcp:PORT, and each listener gives its sessions its own `shared` map, so
 * the TCP session could never see what the UDP one stored. No narrower scope is common
 * to both, so this map is keyed by sensor and service name, which both listeners share.
 * It is bounded (entries per service, services, and a TTL), so it cannot grow with
 * attacker traffic, and it outlives a listener restart, which is harmless: an entry only
 * ever upgrades a contact that then really completes a TCP handshake.
 */

/** how long a TCP retry may lag behind its truncated UDP answer */
export const retryWindowMs = 60_000
const maxEntriesPerService = 4096
const maxServices = 64

const memories = new Map<string, Map<string, number>>()

const keyOf = (ip: string, qname: string, qtype: string) => `${ip}|${qname.toLowerCase()}|${qtype}`

const memoryFor = (scope: string): Map<string, number> => {
  let m = memories.get(scope)
  if (m === undefined) {
    if (memories.size >= maxServices) {
      const oldest = memories.keys().next().value
      if (oldest !== undefined) memories.delete(oldest)
    }
    memories.set(scope, (m = new Map()))
  }
  return m
}

export interface TruncationMemory {
  readonly remember: (ip: string, qname: string, qtype: string, now?: number) => void
  /** true once, when a truncated answer for this question to this source is pending */
  readonly retried: (ip: string, qname: string, qtype: string, now?: number) => boolean
}

/** `scope` names the service: `${sensor}/${service}` */
export const truncationMemory = (scope: string): TruncationMemory => ({
  remember: (ip, qname, qtype, now = Date.now()) => {
    const m = memoryFor(scope)
    const key = keyOf(ip, qname, qtype)
    m.delete(key) // re-inserted last: insertion order is age order
    m.set(key, now)
    while (m.size > maxEntriesPerService) {
      const oldest = m.keys().next().value
      if (oldest === undefined) break
      m.delete(oldest)
    }
  },
  retried: (ip, qname, qtype, now = Date.now()) => {
    const m = memories.get(scope)
    const key = keyOf(ip, qname, qtype)
    const at = m?.get(key)
    if (m === undefined || at === undefined) return false
    m.delete(key)
    return now - at <= retryWindowMs
  }
})
