/** Operational events of the actors: BGP sessions (`bgp-<peer>`) and the sensor (`sensor-<id>`). */
import { Schema } from "effect"
import { IpAddress, Port, Prefix, Timestamp, Transport } from "./common.js"

export class PeerSessionEstablished extends Schema.TaggedClass<PeerSessionEstablished>()("PeerSessionEstablished", {
  peer: Schema.String,
  peerAddress: IpAddress,
  peerAs: Schema.Int,
  peerRouterId: Schema.String,
  holdTimeSeconds: Schema.NonNegativeInt,
  capabilities: Schema.Array(Schema.String)
}) {}

export class PeerSessionLost extends Schema.TaggedClass<PeerSessionLost>()("PeerSessionLost", {
  peer: Schema.String,
  reason: Schema.String,
  /** "code/subcode" of a NOTIFICATION sent or received, when there was one */
  notification: Schema.NullOr(Schema.String),
  uptimeMs: Schema.NonNegativeInt
}) {}

export class RoutesAnnounced extends Schema.TaggedClass<RoutesAnnounced>()("RoutesAnnounced", {
  peer: Schema.String,
  prefixes: Schema.Array(Prefix),
  nextHop: Schema.Record({ key: Schema.String, value: Schema.String }),
  communities: Schema.Array(Schema.String),
  /** true when this batch is part of the full table sent after session establishment */
  initialSync: Schema.Boolean
}) {}

export class RoutesWithdrawn extends Schema.TaggedClass<RoutesWithdrawn>()("RoutesWithdrawn", {
  peer: Schema.String,
  prefixes: Schema.Array(Prefix)
}) {}

export const ServiceSpec = Schema.Struct({
  name: Schema.String,
  port: Port,
  publicPort: Port,
  transport: Transport,
  plugin: Schema.String
})

export class SensorStarted extends Schema.TaggedClass<SensorStarted>()("SensorStarted", {
  sensor: Schema.String,
  services: Schema.Array(ServiceSpec)
}) {}

export class ListenerFailed extends Schema.TaggedClass<ListenerFailed>()("ListenerFailed", {
  sensor: Schema.String,
  service: Schema.String,
  port: Port,
  transport: Transport,
  error: Schema.String,
  attempt: Schema.Int,
  retryInMs: Schema.NonNegativeInt
}) {}

export class SensorStopped extends Schema.TaggedClass<SensorStopped>()("SensorStopped", {
  sensor: Schema.String,
  reason: Schema.String
}) {}

/** Summary of events the sensor could not queue (bounded queue overflow): counted, never silent. */
export class SensorEventsDropped extends Schema.TaggedClass<SensorEventsDropped>()("SensorEventsDropped", {
  sensor: Schema.String,
  dropped: Schema.NonNegativeInt,
  since: Timestamp,
  until: Timestamp
}) {}

export class SensorLimitHit extends Schema.TaggedClass<SensorLimitHit>()("SensorLimitHit", {
  sensor: Schema.String,
  limit: Schema.String,
  sourceIp: Schema.NullOr(IpAddress),
  count: Schema.NonNegativeInt
}) {}

/**
 * Elasticsearch refused a document for good (a 4xx other than 429, e.g.
 * mapper_parsing_exception): recorded in the `search` stream and counted, never
 * silently dropped; the search projection's checkpoint then moves on.
 */
export class SearchDocumentRejected extends Schema.TaggedClass<SearchDocumentRejected>()("SearchDocumentRejected", {
  /** the contact event whose document was refused */
  eventId: Schema.String,
  index: Schema.String,
  /** HTTP status of the bulk item (0 when the document could not even be built) */
  status: Schema.Int,
  type: Schema.String,
  reason: Schema.String
}) {}

export const OperationsEvent = Schema.Union(
  PeerSessionEstablished,
  PeerSessionLost,
  RoutesAnnounced,
  RoutesWithdrawn,
  SensorStarted,
  ListenerFailed,
  SensorStopped,
  SensorEventsDropped,
  SensorLimitHit,
  SearchDocumentRejected
)
