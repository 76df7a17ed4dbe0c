/**
 * KurrentDB TEST DOUBLE — in-memory transaction log. Kept outside the gRPC server so a
 * test can stop the double and start a new one on the same port over the same data
 * (a server restart, as a subscriber sees it).
 *
 * Positions imitate the real log: every event gets its own prepare position (a byte
 * offset that grows with the record size) and the events of one append share the
 * commit position of the append's first record, so only (commit, prepare) together
 * order the log.
 */
import { randomUUID } from "node:crypto"
import { ticksNow } from "./protocol.js"

export interface ProposedEvent {
  readonly id: string
  readonly type: string
  readonly contentType: string
  readonly data: Uint8Array
  readonly customMetadata: Uint8Array
}

export interface StoredEvent extends ProposedEvent {
  readonly stream: string
  readonly revision: bigint
  readonly commit: bigint
  readonly prepare: bigint
  readonly createdTicks: bigint
}

export type ExpectedState =
  | { readonly kind: "any" }
  | { readonly kind: "no_stream" }
  | { readonly kind: "stream_exists" }
  | { readonly kind: "revision"; readonly revision: bigint }

export type AppendOutcome =
  | { readonly ok: true; readonly currentRevision: bigint | null; readonly commit: bigint; readonly prepare: bigint }
  | { readonly ok: false; readonly currentRevision: bigint | null }

export interface LogPosition {
  readonly commit: bigint
  readonly prepare: bigint
}

export const comparePosition = (a: LogPosition, b: LogPosition): number =>
  a.commit === b.commit ? Number(a.prepare - b.prepare) : a.commit < b.commit ? -1 : 1

const recordOverhead = 96n

export class EventLog {
  readonly #all: Array<StoredEvent> = []
  readonly #streams = new Map<string, Array<StoredEvent>>()
  readonly #listeners = new Set<() => void>()
  #nextOffset = 0n

  /** A fresh log holds a few system events, as a real server's does, so `$` handling is exercised. */
  static withSystemEvents(): EventLog {
    const log = new EventLog()
    const json = (value: unknown) => Uint8Array.from(Buffer.from(JSON.stringify(value), "utf8"))
    const system = (type: string, data: unknown): ProposedEvent => ({
      id: randomUUID(),
      type,
      contentType: "application/json",
      data: json(data),
      customMetadata: new Uint8Array()
    })
    log.append("$settings", { kind: "any" }, [system("$settings", { $userStreamAcl: {} })])
    log.append("$$$scavenges", { kind: "any" }, [system("$metadata", { $maxAge: 2592000 })])
    return log
  }

  get events(): ReadonlyArray<StoredEvent> {
    return this.#all
  }

  stream(name: string): ReadonlyArray<StoredEvent> | undefined {
    return this.#streams.get(name)
  }

  currentRevision(name: string): bigint | null {
    const events = this.#streams.get(name)
    return events === undefined || events.length === 0 ? null : BigInt(events.length - 1)
  }

  append(stream: string, expected: ExpectedState, proposed: ReadonlyArray<ProposedEvent>): AppendOutcome {
    const current = this.currentRevision(stream)
    const accepted =
      expected.kind === "any" ||
      (expected.kind === "no_stream" && current === null) ||
      (expected.kind === "stream_exists" && current !== null) ||
      (expected.kind === "revision" && current === expected.revision)
    if (!accepted) return { ok: false, currentRevision: current }
    const events = this.#streams.get(stream) ?? []
    this.#streams.set(stream, events)
    const commit = this.#nextOffset
    let prepare = commit
    const created = ticksNow()
    for (const event of proposed) {
      prepare = this.#nextOffset
      const stored: StoredEvent = {
        ...event,
        stream,
        revision: BigInt(events.length),
        commit,
        prepare,
        createdTicks: created
      }
      events.push(stored)
      this.#all.push(stored)
      this.#nextOffset += recordOverhead + BigInt(event.data.length + event.customMetadata.length)
    }
    if (proposed.length > 0) for (const listener of this.#listeners) listener()
    return { ok: true, currentRevision: this.currentRevision(stream), commit, prepare }
  }

  /** Index of the first event at or after `position` in log order. */
  indexAtOrAfter(position: LogPosition): number {
    let low = 0
    let high = this.#all.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (comparePosition(this.#all[mid]!, position) < 0) low = mid + 1
      else high = mid
    }
    return low
  }

  /** live subscriptions waiting for appends */
  get listenerCount(): number {
    return this.#listeners.size
  }

  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}
