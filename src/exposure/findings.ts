/** `exposure list` and `exposure ack`: open findings across hosts, and their audited acceptance. */
import { Effect, Either, Schedule, Stream } from "effect"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { decodeRecorded, envelope, PortExposureAcknowledged } from "../../domain/events/index.js"
import { applyFinding, findingKey, isFindingEvent } from "../../domain/exposure/findings.js"
import type { OpenFinding } from "../../domain/exposure/findings.js"
import { canonicalIp } from "../../domain/ip.js"
import { parseRangeSpec } from "../../domain/inventory/state.js"
import { StreamName } from "../../domain/streams.js"
import { operator } from "../bans/Allowlist.js"
import { readHostFindings } from "./import.js"
import { newEventId } from "../../domain/eventId.js"

export class ExposureInputError extends Error {
  readonly _tag = "ExposureInputError"
}

/**
 * Every host's open findings, folded once from the PortExposure* events (few: findings,
 * not scans), complete up to `head` — what a scan import preloads instead of reading
 * each host's whole stream.
 */
export const loadOpenFindings = (store: EventStoreShape) =>
  Effect.gen(function* () {
    const head = yield* store.headPosition()
    const byHost = new Map<string, Map<string, OpenFinding>>()
    if (head === null) return { byHost, head }
    yield* store.readAll({ filter: { kind: "eventType", prefixes: ["PortExposure"] } }).pipe(
      Stream.takeWhile((recorded) => store.comparePositions(recorded.position, head) <= 0),
      Stream.runForEach((recorded) =>
        Effect.sync(() => {
          const decoded = decodeRecorded(recorded)
          if (Either.isLeft(decoded) || !isFindingEvent(decoded.right.event)) return
          const event = decoded.right.event
          const host = byHost.get(event.host) ?? new Map<string, OpenFinding>()
          byHost.set(event.host, host)
          applyFinding(host, event, decoded.right.meta.at)
        })
      )
    )
    return { byHost, head }
  })

/** Every open finding, by host then port. */
export const listFindings = (store: EventStoreShape) =>
  Effect.map(loadOpenFindings(store), ({ byHost }) => [...byHost.values()].flatMap((m) => [...m.values()]))

/** Accepts an open finding without changing the inventory (audited; it stays listed as acknowledged). */
export const acknowledgeFinding = (store: EventStoreShape, hostInput: string, portSpec: string, reason: string, by = operator()) =>
  Effect.gen(function* () {
    const ip = canonicalIp(hostInput)
    if (ip === null) return yield* Effect.fail(new ExposureInputError(`not an IP address: ${JSON.stringify(hostInput)}`))
    const spec = parseRangeSpec(portSpec)
    if (spec === null || spec.min !== spec.max || spec.min < 1 || spec.min > 65535) {
      return yield* Effect.fail(new ExposureInputError(`expected <port>/<tcp|udp>, e.g. 8080/tcp, got ${JSON.stringify(portSpec)}`))
    }
    if (reason.trim() === "") return yield* Effect.fail(new ExposureInputError("--reason must say why the port is accepted"))
    const { findings, revision } = yield* readHostFindings(store, ip)
    const finding = findings.get(findingKey(spec.min, spec.transport))
    if (finding === undefined) return yield* Effect.fail(new ExposureInputError(`no open finding for ${ip} ${spec.min}/${spec.transport}`))
    if (finding.acknowledged !== null) return { finding, changed: false }
    const event = new PortExposureAcknowledged({ host: ip, port: spec.min, transport: spec.transport, reason, by })
    yield* store.append(StreamName.host(ip), [envelope(event, { eventId: newEventId(), at: new Date() })], revision)
    return { finding, changed: true }
  }).pipe(
    Effect.retry({ while: (e) => e._tag === "ConcurrencyError", schedule: Schedule.intersect(Schedule.exponential("100 millis"), Schedule.recurs(3)) })
  )
