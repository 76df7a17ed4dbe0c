/**
 * KurrentDB TEST DOUBLE — Streams.Read: stream reads and `$all` reads in both
 * directions (with server-side filters), and catch-up subscriptions to `$all`.
 *
 * Start positions follow streams.proto as the adapter assumes them (recipe pitfall 7,
 * unconfirmed on a real server): a forward `$all` read includes its start position, a
 * backward one excludes it, and a subscription starts after its position.
 */
import * as grpc from "@grpc/grpc-js"
import { randomUUID } from "node:crypto"
import type { ReadReq, ReadResp } from "@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js"
import { comparePosition } from "./log.js"
import type { EventLog, LogPosition, StoredEvent } from "./log.js"
import { readEventResp, streamIdentifier, streamNameOf, streamsPb } from "./protocol.js"

type ReadCall = grpc.ServerWritableStream<ReadReq, ReadResp>
type ReadOptions = InstanceType<typeof streamsPb.ReadReq.Options>
type FilterOptions = InstanceType<typeof streamsPb.ReadReq.Options.FilterOptions>

const matcher = (filter: FilterOptions | undefined): ((event: StoredEvent) => boolean) => {
  if (filter === undefined) return () => true
  const byStream = filter.hasStreamIdentifier()
  const expression = byStream ? filter.getStreamIdentifier() : filter.getEventType()
  const prefixes = expression?.getPrefixList() ?? []
  const regex = expression?.getRegex() ?? ""
  const subject = (event: StoredEvent) => (byStream ? event.stream : event.type)
  if (prefixes.length > 0) return (event) => prefixes.some((p) => subject(event).startsWith(p))
  if (regex !== "") {
    const pattern = new RegExp(regex)
    return (event) => pattern.test(subject(event))
  }
  return () => true
}

const countOf = (options: ReadOptions): number =>
  options.hasCount() ? Number(BigInt.asUintN(53, BigInt(options.getCount()))) : Number.MAX_SAFE_INTEGER

const positionOf = (message: { getCommitPosition(): string; getPreparePosition(): string }): LogPosition => ({
  commit: BigInt(message.getCommitPosition()),
  prepare: BigInt(message.getPreparePosition())
})

const writeAll = (call: ReadCall, events: Iterable<StoredEvent>, structuredIds: boolean) => {
  for (const event of events) call.write(readEventResp(event, structuredIds))
}

function* forwards(log: EventLog, from: number, matches: (e: StoredEvent) => boolean, count: number) {
  let sent = 0
  for (let i = from; i < log.events.length && sent < count; i++) {
    const event = log.events[i]!
    if (matches(event)) {
      sent++
      yield event
    }
  }
}

function* backwards(log: EventLog, from: number, matches: (e: StoredEvent) => boolean, count: number) {
  let sent = 0
  for (let i = from; i >= 0 && sent < count; i--) {
    const event = log.events[i]!
    if (matches(event)) {
      sent++
      yield event
    }
  }
}

const readStream = (log: EventLog, call: ReadCall, options: ReadOptions, structuredIds: boolean) => {
  const streamOptions = options.getStream()
  const name = streamNameOf(streamOptions?.getStreamIdentifier())
  const events = log.stream(name)
  if (events === undefined) {
    call.write(new streamsPb.ReadResp().setStreamNotFound(
      new streamsPb.ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(name))
    ))
    return call.end()
  }
  const count = countOf(options)
  const backward = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS
  const revision = streamOptions?.hasRevision() ? Number(streamOptions.getRevision()) : undefined
  const selected = backward
    ? events.slice(0, (revision ?? (streamOptions?.hasStart() ? 0 : events.length - 1)) + 1).reverse()
    : events.slice(revision ?? (streamOptions?.hasEnd() ? events.length : 0))
  writeAll(call, selected.slice(0, count), structuredIds)
  call.end()
}

const readAll = (log: EventLog, call: ReadCall, options: ReadOptions, structuredIds: boolean) => {
  const allOptions = options.getAll()
  const matches = matcher(options.getFilter())
  const count = countOf(options)
  const position = allOptions?.getPosition()
  if (options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS) {
    const from = position !== undefined
      ? log.indexAtOrAfter(positionOf(position)) - 1
      : allOptions?.hasStart() ? -1 : log.events.length - 1
    writeAll(call, backwards(log, from, matches, count), structuredIds)
  } else {
    const from = position !== undefined
      ? log.indexAtOrAfter(positionOf(position))
      : allOptions?.hasEnd() ? log.events.length : 0
    writeAll(call, forwards(log, from, matches, count), structuredIds)
  }
  call.end()
}

const subscribeAll = (log: EventLog, call: ReadCall, options: ReadOptions, structuredIds: boolean) => {
  const allOptions = options.getAll()
  const matches = matcher(options.getFilter())
  const position = allOptions?.getPosition()
  let cursor = 0
  if (position !== undefined) {
    const after = positionOf(position)
    cursor = log.indexAtOrAfter(after)
    const atStart = log.events[cursor]
    if (atStart !== undefined && comparePosition(atStart, after) === 0) cursor++
  } else if (allOptions?.hasEnd()) {
    cursor = log.events.length
  }
  const pump = () => {
    if (call.cancelled || call.destroyed) return
    writeAll(call, forwards(log, cursor, matches, Number.MAX_SAFE_INTEGER), structuredIds)
    cursor = log.events.length
  }
  call.write(new streamsPb.ReadResp().setConfirmation(
    new streamsPb.ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())
  ))
  pump()
  const last = log.events[log.events.length - 1]
  if (options.hasFilter() && last !== undefined) {
    call.write(new streamsPb.ReadResp().setCheckpoint(
      new streamsPb.ReadResp.Checkpoint()
        .setCommitPosition(last.commit.toString())
        .setPreparePosition(last.prepare.toString())
    ))
  }
  call.write(new streamsPb.ReadResp().setCaughtUp(new streamsPb.ReadResp.CaughtUp()))
  const unsubscribe = log.onAppend(pump)
  call.on("cancelled", unsubscribe)
  call.on("close", unsubscribe)
  call.on("error", unsubscribe)
}

export const read = (log: EventLog) => (call: ReadCall) => {
  const options = call.request.getOptions()
  if (options === undefined) {
    return call.destroy(Object.assign(new Error("missing options"), { code: grpc.status.INVALID_ARGUMENT }))
  }
  const structuredIds = options.getUuidOption()?.hasStructured() ?? false
  if (options.hasSubscription()) {
    if (!options.hasAll()) {
      const error = Object.assign(new Error("the test double only subscribes to $all"), { code: grpc.status.UNIMPLEMENTED })
      return call.destroy(error)
    }
    return subscribeAll(log, call, options, structuredIds)
  }
  return options.hasAll() ? readAll(log, call, options, structuredIds) : readStream(log, call, options, structuredIds)
}
