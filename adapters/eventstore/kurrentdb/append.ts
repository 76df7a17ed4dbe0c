/**
 * Appends through `appendToStream` (BatchAppend on current servers, the legacy Append
 * on servers that do not advertise it — the client chooses).
 */
import { WrongExpectedVersionError } from "@kurrent/kurrentdb-client"
import type { AppendStreamState, KurrentDBClient } from "@kurrent/kurrentdb-client"
import { Effect, Option, Stream } from "effect"
import { ConcurrencyError, describeExpected, EventStoreError } from "../../../domain/EventStore.js"
import type { AppendResult, ExpectedRevision } from "../../../domain/EventStore.js"
import { Position } from "../../../domain/events/index.js"
import type { NewEvent } from "../../../domain/events/index.js"
import { encodePosition } from "./position.js"
import { readStream } from "./reads.js"
import { toJsonEvent } from "./records.js"

const streamState = (expected: ExpectedRevision): AppendStreamState =>
  typeof expected === "number" ? BigInt(expected) : expected

const conflictOrFailure = (stream: string, expected: ExpectedRevision) => (cause: unknown) =>
  cause instanceof WrongExpectedVersionError
    ? new ConcurrencyError({
      stream,
      expected: describeExpected(expected),
      actual: typeof cause.actualState === "bigint" ? Number(cause.actualState) : null
    })
    : new EventStoreError({ reason: "Write", message: `cannot append to ${stream}`, cause })

const lastEvent = (client: KurrentDBClient, stream: string) =>
  readStream(client, stream, { direction: "backwards", maxCount: 1 }).pipe(Stream.runHead)

const accepts = (expected: ExpectedRevision, current: number | null) =>
  expected === "any" ||
  (expected === "no_stream" && current === null) ||
  (expected === "stream_exists" && current !== null) ||
  expected === current

/**
 * Nothing to write: the server would answer with no position, and the client reads a
 * missing stream's revision as 0. Check the expectation against the stream's last
 * event instead — the answer the embedded store gives (-1 and "0:0" for no stream).
 */
const appendNothing = Effect.fn("KurrentDb.appendNothing")(function*(
  client: KurrentDBClient,
  stream: string,
  expected: ExpectedRevision
) {
  const last = Option.getOrUndefined(yield* lastEvent(client, stream))
  const current = last?.revision ?? null
  if (!accepts(expected, current)) {
    return yield* new ConcurrencyError({ stream, expected: describeExpected(expected), actual: current })
  }
  return { nextExpectedRevision: current ?? -1, position: last?.position ?? Position("0:0") } satisfies AppendResult
})

export const append = Effect.fn("KurrentDb.append")(function*(
  client: KurrentDBClient,
  stream: string,
  events: ReadonlyArray<NewEvent>,
  expected: ExpectedRevision
) {
  if (events.length === 0) return yield* appendNothing(client, stream, expected)
  const result = yield* Effect.tryPromise({
    try: () => client.appendToStream(stream, events.map(toJsonEvent), { streamState: streamState(expected) }),
    catch: conflictOrFailure(stream, expected)
  })
  const nextExpectedRevision = Number(result.nextExpectedRevision)
  if (result.position !== undefined) {
    return { nextExpectedRevision, position: encodePosition(result.position) } satisfies AppendResult
  }
  // Servers may answer without a position; the written event's own one is the same.
  const written = Option.getOrUndefined(yield* lastEvent(client, stream))
  if (written === undefined) {
    return yield* new EventStoreError({ reason: "Write", message: `append to ${stream} reported no position` })
  }
  return { nextExpectedRevision, position: written.position } satisfies AppendResult
})
