/**
 * The event catalog and its envelope. Stored events are `{ type, data, metadata }`:
 * `type` is the event's tag, `data` its fields (JSON), `metadata` the common
 * envelope fields below. Decoding a stored event never throws: a malformed or
 * unknown one is an `EventDecodeError` that names its stream and revision.
 */
import { Either, ParseResult, Schema } from "effect"
import { BanEvent } from "./bans.js"
import { ContactEvent } from "./contact.js"
import { ExposureEvent } from "./exposure.js"
import { AllowlistEvent, InventoryEvent } from "./inventory.js"
import { OperationsEvent } from "./operations.js"

export * from "./bans.js"
export * from "./common.js"
export * from "./contact.js"
export * from "./exposure.js"
export * from "./inventory.js"
export * from "./operations.js"

export const DomainEvent = Schema.Union(
  ContactEvent,
  BanEvent,
  ExposureEvent,
  InventoryEvent,
  AllowlistEvent,
  OperationsEvent
)
export type DomainEvent = typeof DomainEvent.Type
export type EventType = DomainEvent["_tag"]

/** Every event type in the catalog, e.g. for filters and docs. */
export const eventTypes: ReadonlyArray<EventType> = DomainEvent.members.flatMap((family) =>
  family.members.map((m) => m.identifier as EventType)
)

export const currentSchemaVersion = 1

export const EventMetadata = Schema.Struct({
  /** event time, set by the producer; the store's own timestamp is never used */
  at: Schema.Date,
  schemaVersion: Schema.Int,
  correlationId: Schema.String,
  causationId: Schema.NullOr(Schema.String)
})
export type EventMetadata = typeof EventMetadata.Type

/** An event ready to append: what every EventStore adapter writes. */
export interface NewEvent {
  readonly eventId: string
  readonly type: string
  readonly data: Readonly<Record<string, unknown>>
  readonly metadata: Readonly<Record<string, unknown>>
}

/** Opaque, adapter-defined position in the global log; compare only through the store. */
export type Position = string & { readonly Position: unique symbol }
export const Position = (text: string): Position => text as Position

export interface RecordedEvent {
  readonly stream: string
  /** 0-based revision within the stream */
  readonly revision: number
  readonly position: Position
  readonly eventId: string
  readonly type: string
  readonly data: unknown
  readonly metadata: unknown
}

export interface DecodedEvent<E = DomainEvent> {
  readonly stream: string
  readonly revision: number
  readonly position: Position
  readonly eventId: string
  readonly event: E
  readonly meta: EventMetadata
}

export class EventDecodeError extends Schema.TaggedError<EventDecodeError>()("EventDecodeError", {
  stream: Schema.String,
  revision: Schema.Number,
  type: Schema.String,
  message: Schema.String
}) {}

const encodeEvent = Schema.encodeSync(DomainEvent)
const decodeEvent = Schema.decodeUnknownEither(DomainEvent)
const decodeMetadata = Schema.decodeUnknownEither(EventMetadata)
const encodeMetadata = Schema.encodeSync(EventMetadata)

export interface EnvelopeOptions {
  readonly eventId: string
  readonly at: Date
  readonly correlationId?: string | undefined
  readonly causationId?: string | null | undefined
}

/**
 * Encoders per event type: encoding through the catalog union would try its members in
 * turn, and the sensor wraps every payload it records.
 */
const encoders = new Map<string, (event: DomainEvent) => unknown>(
  DomainEvent.members.flatMap((family) =>
    family.members.map((member) => [member.identifier, Schema.encodeSync(member as unknown as Schema.Schema<DomainEvent, unknown>)] as const)
  )
)

/**
 * Contact events are flat records of strings, numbers, booleans and plain facts: their
 * encoded form is their own fields, so the sensor's hot path copies them instead of
 * running the Schema encoder (a test checks both agree for every one of these types).
 */
export const plainEncodedTypes: ReadonlySet<string> = new Set([
  "ContactOpened",
  "PayloadReceived",
  "PayloadSent",
  "CredentialsTried",
  "ContactVerified",
  "ContactClosed"
])
const copyFields = (event: DomainEvent): unknown => ({ ...event })
for (const tag of plainEncodedTypes) encoders.set(tag, copyFields)

/** The Schema encoder of one event type (tests compare the fast paths against it). */
export const schemaEncoder = (tag: string) =>
  DomainEvent.members
    .flatMap((family): ReadonlyArray<{ readonly identifier: string }> => family.members)
    .find((m) => m.identifier === tag) as unknown as Schema.Schema<DomainEvent, unknown>

/** Wraps a domain event for appending. Ids and time come in as arguments: the domain stays pure. */
export const envelope = (event: DomainEvent, options: EnvelopeOptions): NewEvent => {
  const encode = encoders.get(event._tag) ?? encodeEvent
  const { _tag, ...data } = encode(event) as { readonly _tag: string } & Record<string, unknown>
  return {
    eventId: options.eventId,
    type: _tag,
    data,
    metadata: encodeMetadata({
      at: options.at,
      schemaVersion: currentSchemaVersion,
      correlationId: options.correlationId ?? options.eventId,
      causationId: options.causationId ?? null
    })
  }
}

const knownTypes = new Set<string>(eventTypes)

export const isKnownEventType = (type: string): type is EventType => knownTypes.has(type)

/** Reads the envelope metadata alone (e.g. for projections that only need `at`). */
export const decodeMetadataOf = (recorded: RecordedEvent): Either.Either<EventMetadata, EventDecodeError> =>
  decodeMetadata(recorded.metadata).pipe(Either.mapLeft((e) => decodeFailure(recorded, "metadata", e)))

const decodeFailure = (recorded: RecordedEvent, part: string, error: ParseResult.ParseError | string) =>
  new EventDecodeError({
    stream: recorded.stream,
    revision: recorded.revision,
    type: recorded.type,
    message: `cannot decode ${recorded.type} at ${recorded.stream}@${recorded.revision} (${part}): ${
      typeof error === "string" ? error : ParseResult.TreeFormatter.formatErrorSync(error)
    }`
  })

export const decodeRecorded = (recorded: RecordedEvent): Either.Either<DecodedEvent, EventDecodeError> => {
  if (!isKnownEventType(recorded.type)) {
    return Either.left(decodeFailure(recorded, "type", `unknown event type ${JSON.stringify(recorded.type)}`))
  }
  if (typeof recorded.data !== "object" || recorded.data === null) {
    return Either.left(decodeFailure(recorded, "data", "data is not a JSON object"))
  }
  return Either.gen(function* () {
    const meta = yield* decodeMetadataOf(recorded)
    const event = yield* decodeEvent({ ...(recorded.data as object), _tag: recorded.type }).pipe(
      Either.mapLeft((e) => decodeFailure(recorded, "data", e))
    )
    return {
      stream: recorded.stream,
      revision: recorded.revision,
      position: recorded.position,
      eventId: recorded.eventId,
      event,
      meta
    }
  })
}
