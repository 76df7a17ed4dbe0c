/**
 * A second process feeding a running `honeyhole start` the input of its blocking loop,
 * through the same embedded store file; bans-crash.test.ts SIGKILLs it.
 *
 *   node --import tsx test/crash/bans/appender.ts <events.sqlite> <go-file>
 *
 * Prints `ready` once the store is open and waits for <go-file>. Then, until killed:
 *  - every ~50 ms a ContactOpened from a fresh documentation-range address (203.0.113.0/24,
 *    198.51.100.0/24, with every third one from 2001:db8::/32), which honeyhole's reactor
 *    turns into a ban (short TTLs in the test's config, so bans expire all the time);
 *  - every 8th round an operator ban (`bans add`) of 1–10 s (every 4th: 20–30 s) on addresses no contact uses
 *    (198.51.100.200–254, 2001:db8:ffff::/48), so some bans outlive a restart;
 *  - after every 5th, one short operator ban is lifted while it still has ≥ 2 s to run.
 * Each acknowledged append prints one line: `contact <ip>`, `ban <ip> <ttlMs>`, `lift <ip>`.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import { existsSync } from "node:fs"
import * as Embedded from "../../../adapters/eventstore/embedded/index.js"
import { parseRanges } from "../../../domain/cidr.js"
import type { BanPolicy } from "../../../domain/bans/policy.js"
import type { EventStoreShape } from "../../../domain/EventStore.js"
import { ContactOpened, envelope } from "../../../domain/events/index.js"
import { addBan, liftBan } from "../../../src/bans/commands.js"

const [filename, goFile] = process.argv.slice(2)
if (filename === undefined || goFile === undefined) {
  process.stderr.write("usage: appender.ts <events.sqlite> <go-file>\n")
  process.exit(2)
}

/** Only the rails `bans add` checks; the documentation ranges must be bannable. */
const policy: BanPolicy = {
  ttlMs: 2000,
  maxTtlMs: 2000,
  escalation: 1,
  maxActive: 100_000,
  udp: "verified-only",
  neverBan: parseRanges(["127.0.0.0/8"]).ranges,
  ownNetworks: [],
  infrastructure: [],
  breakerMaxPerMinute: 100_000,
  dryRun: false,
  suppressionIntervalMs: 3_600_000
}

const line = (text: string) => Effect.sync(() => process.stdout.write(`${text}\n`))

/** The n-th contact's address: fresh ones first, v4 wrapping after 453 (then repeat offenders). */
const contactIp = (n: number): string => {
  if (n % 3 === 2) return `2001:db8::${(n + 1).toString(16)}`
  const v4 = (n - Math.floor(n / 3)) % 453
  return v4 < 254 ? `203.0.113.${v4 + 1}` : `198.51.100.${v4 - 253}`
}

const operatorIp = (n: number): string => (n % 2 === 0 ? `198.51.100.${200 + ((n / 2) % 55)}` : `2001:db8:ffff::${n.toString(16)}`)

const contact = (store: EventStoreShape, ip: string) => {
  const sessionId = randomUUID()
  const opened = new ContactOpened({
    sessionId,
    sensor: "sensor-crash",
    service: "ssh",
    plugin: "ssh",
    transport: "tcp",
    sourceIp: ip,
    sourcePort: 1024 + Math.floor(Math.random() * 64_000),
    localIp: "192.0.2.10",
    localPort: 22,
    publicPort: 22
  })
  return store.append(`attacker-${ip}`, [envelope(opened, { eventId: randomUUID(), at: new Date(), correlationId: sessionId })], "any").pipe(
    Effect.zipRight(line(`contact ${ip}`))
  )
}

const program = Effect.gen(function* () {
  const store = yield* Embedded.make({ filename })
  yield* line("ready")
  yield* Effect.suspend(() => (existsSync(goFile) ? Effect.void : Effect.fail("not yet"))).pipe(Effect.retry(Schedule.spaced("10 millis")))
  const operatorBans: Array<{ ip: string; expiresAt: number }> = []
  let bans = 0
  for (let n = 0; ; n++) {
    yield* contact(store, contactIp(n))
    if (n % 8 === 7) {
      const k = bans++
      const ip = operatorIp(k)
      // every 4th outlives any restart, so BIRD's table after it is never trivially empty
      const ttlMs = k % 4 === 3 ? 20_000 + Math.floor(Math.random() * 10_000) : 1000 + Math.floor(Math.random() * 9000)
      // an address reused after wrapping may still be banned: `bans add` refuses, and that is fine
      const issued = yield* Effect.either(addBan(store, policy, ip, ttlMs, "crash test", { by: "crash-appender" }))
      if (issued._tag === "Right") {
        operatorBans.push({ ip, expiresAt: issued.right.expiresAt.getTime() })
        yield* line(`ban ${ip} ${ttlMs}`)
      }
      if (k % 5 === 4) {
        const victim = operatorBans.find((b) => b.expiresAt - Date.now() >= 2000 && b.expiresAt - Date.now() < 15_000)
        if (victim !== undefined) {
          operatorBans.splice(operatorBans.indexOf(victim), 1)
          const lifted = yield* Effect.either(liftBan(store, victim.ip, "crash test", "crash-appender"))
          if (lifted._tag === "Right") yield* line(`lift ${victim.ip}`)
        }
      }
    }
    yield* Effect.sleep("50 millis")
  }
})

NodeRuntime.runMain(Effect.scoped(program))
