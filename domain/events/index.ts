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

export interface EnvelopeOptions {
  readonly eventId: string
  readonly at: Date
  readonly correlationId?: string | undefined
  readonly causationId?: string | null | undefined
}

/** Every event type's own schema (the catalog's members, family by family); `identifier` is its tag. */
type EventSchema = Schema.Schema<DomainEvent, unknown> & { readonly identifier: string }
const eventSchemas: ReadonlyArray<EventSchema> = DomainEvent.members.flatMap((family) => family.members as unknown as ReadonlyArray<EventSchema>)

/**
 * Encoders per event type: encoding through the catalog union would try its members in
 * turn, and the sensor wraps every payload it records.
 */
const encoders = new Map<string, (event: DomainEvent) => unknown>(
  eventSchemas.map((schema) => [schema.identifier, Schema.encodeSync(schema)] as const)
)

/**
 * Contact events, and the HostScanned a scan import writes per host, are records of
 * strings, numbers, booleans, nulls and plain arrays/objects of those: their encoded form
 * is their own fields, so the sensor's and the import's hot paths copy them instead of
 * running the Schema encoder (a test checks both agree for every one of these types).
 */
export const plainEncodedTypes: ReadonlySet<string> = new Set([
  "HostScanned",
  "ContactOpened",
  "PayloadReceived",
  "PayloadSent",
  "CredentialsTried",
  "ContactVerified",
  "ContactClosed"
])
const copyFields = (event: DomainEvent): unknown => ({ ...event })
for (const tag of plainEncodedTypes) encoders.set(tag, copyFields)

/** The Schema of one event type (tests compare the fast paths against its encoder). */
export const schemaEncoder = (tag: string): Schema.Schema<DomainEvent, unknown> => eventSchemas.find((s) => s.identifier === tag)!

/** Wraps a domain event for appending. Ids and time come in as arguments: the domain stays pure. */
export const envelope = (event: DomainEvent, options: EnvelopeOptions): NewEvent => {
  const encode = encoders.get(event._tag) ?? encodeEvent
  const { _tag, ...data } = encode(event) as { readonly _tag: string } & Record<string, unknown>
  return {
    eventId: options.eventId,
    type: _tag,
    data,
    // EventMetadata's encoded form, built directly (a test holds it to the Schema encoder):
    // every recorded contact and scanned host passes here
    metadata: {
      at: options.at.toISOString(),
      schemaVersion: currentSchemaVersion,
      correlationId: options.correlationId ?? options.eventId,
      causationId: options.causationId ?? null
    }
  }
}

const knownTypes = new Set<string>(eventTypes)

export const isKnownEventType = (type: string): type is EventType => knownTypes.has(type)

/**
 * The metadata every event carries, checked by hand: what the Schema decoder accepts (an
 * ISO date string that parses, an integer version, string ids; other keys ignored), at a
 * fraction of its cost on a replay. Anything else goes through the Schema decoder, which
 * gives the same answer or the exact error (a test holds the two together).
 */
const plainMetadata = (metadata: unknown): EventMetadata | null => {
  if (typeof metadata !== "object" || metadata === null) return null
  const { at, schemaVersion, correlationId, causationId } = metadata as Record<string, unknown>
  if (typeof at !== "string" || typeof schemaVersion !== "number" || !Number.isInteger(schemaVersion)) return null
  if (typeof correlationId !== "string" || (causationId !== null && typeof causationId !== "string")) return null
  const date = new Date(at)
  return Number.isNaN(date.getTime()) ? null : { at: date, schemaVersion, correlationId, causationId }
}

/** Reads the envelope metadata alone (e.g. for projections that only need `at`). */
export const decodeMetadataOf = (recorded: RecordedEvent): Either.Either<EventMetadata, EventDecodeError> => {
  const plain = plainMetadata(recorded.metadata)
  return plain !== null ? Either.right(plain) : decodeMetadata(recorded.metadata).pipe(Either.mapLeft((e) => decodeFailure(recorded, "metadata", e)))
}

/** The Schema decoder of each event type: decoding through the catalog union costs twice as much per event. */
const decoders = new Map<string, (data: unknown) => Either.Either<DomainEvent, ParseResult.ParseError>>(
  eventSchemas.map((schema) => [schema.identifier, Schema.decodeUnknownEither(schema)] as const)
)

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
  const meta = decodeMetadataOf(recorded)
  if (Either.isLeft(meta)) return Either.left(meta.left)
  const event = (decoders.get(recorded.type) ?? decodeEvent)({ ...(recorded.data as object), _tag: recorded.type })
  if (Either.isLeft(event)) return Either.left(decodeFailure(recorded, "data", event.left))
  return Either.right({
    stream: recorded.stream,
    revision: recorded.revision,
    position: recorded.position,
    eventId: recorded.eventId,
    event: event.right,
    meta: meta.right
  })
}
