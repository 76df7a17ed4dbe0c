/**
 * The nonces a SIP listener handed out, per source address, and how many authorized
 * attempts each source made. A request whose Authorization echoes a nonce we sent to
 * that address proves the address receives our replies (not spoofed): that is the
 * `sip-nonce-echo` proof the ban policy needs before blackholing a UDP source.
 *
 * Bounded everywhere: a few nonces per source, a few thousand sources, oldest evicted
 * first (Map insertion order, refreshed on use).
 */
import { freshNonce, freshOpaque } from "./digest.js"

export interface NonceBookLimits {
  readonly sources: number
  readonly noncesPerSource: number
}

interface SourceMemory {
  readonly nonces: Array<string>
  attempts: number
}

export class NonceBook {
  private readonly sources = new Map<string, SourceMemory>()
  /** one opaque per listener, as PJSIP keeps one per server */
  readonly opaque = freshOpaque()

  constructor(readonly limits: NonceBookLimits = { sources: 4096, noncesPerSource: 8 }) {}

  /** a fresh nonce for this source, remembered */
  issue(source: string, now: Date = new Date()): string {
    const nonce = freshNonce(now)
    const memory = this.touch(source)
    memory.nonces.push(nonce)
    if (memory.nonces.length > this.limits.noncesPerSource) memory.nonces.shift()
    return nonce
  }

  /** did we hand this nonce to this source (and not forget it since)? */
  issued(source: string, nonce: string): boolean {
    return this.sources.get(source)?.nonces.includes(nonce) ?? false
  }

  /** counts an authorized attempt with one of our nonces; returns the count so far */
  attempt(source: string): number {
    const memory = this.touch(source)
    memory.attempts += 1
    return memory.attempts
  }

  get size(): number {
    return this.sources.size
  }

  private touch(source: string): SourceMemory {
    const existing = this.sources.get(source)
    if (existing !== undefined) {
      this.sources.delete(source)
      this.sources.set(source, existing)
      return existing
    }
    if (this.sources.size >= this.limits.sources) {
      const oldest = this.sources.keys().next().value
      if (oldest !== undefined) this.sources.delete(oldest)
    }
    const created: SourceMemory = { nonces: [], attempts: 0 }
    this.sources.set(source, created)
    return created
  }
}

/** the listener's book, kept in the plugin's cross-session `shared` map */
export const nonceBookIn = (shared: Map<string, unknown>): NonceBook => {
  const existing = shared.get("sip.nonces")
  if (existing instanceof NonceBook) return existing
  const book = new NonceBook()
  shared.set("sip.nonces", book)
  return book
}
