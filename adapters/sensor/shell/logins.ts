/**
 * When a fake login lets an attacker in (telnet and SSH share the rule).
 *
 * Attempts are counted per source address across its connections on one listener:
 * Mirai-family bots try one or two pairs per connection and reconnect, so a
 * per-connection count would never reach the shell. With `acceptAfter = N` the Nth
 * attempt from a source gets in, and so does every later one (a bot that "found" a
 * password comes back with it). `acceptAfter = 0` rejects everything.
 */

export interface LoginDecision {
  /** 1-based, per source */
  readonly attempt: number
  readonly accepted: boolean
}

/** sources remembered per listener; the oldest is forgotten first */
const maxSources = 10_000

export class LoginPolicy {
  private readonly attempts = new Map<string, number>()

  constructor(private readonly acceptAfter: number) {}

  attempt(sourceIp: string): LoginDecision {
    const n = (this.attempts.get(sourceIp) ?? 0) + 1
    this.attempts.delete(sourceIp) // re-inserted last: the map stays in recency order
    this.attempts.set(sourceIp, n)
    if (this.attempts.size > maxSources) {
      const oldest = this.attempts.keys().next().value
      if (oldest !== undefined) this.attempts.delete(oldest)
    }
    return { attempt: n, accepted: this.acceptAfter > 0 && n >= this.acceptAfter }
  }
}

/** one policy per listener, kept in the plugin's shared memory */
export const loginPolicy = (shared: Map<string, unknown>, acceptAfter: number): LoginPolicy => {
  const key = `login-policy:${acceptAfter}`
  const existing = shared.get(key)
  if (existing instanceof LoginPolicy) return existing
  const policy = new LoginPolicy(acceptAfter)
  shared.set(key, policy)
  return policy
}
