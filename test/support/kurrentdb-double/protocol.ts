/**
 * KurrentDB TEST DOUBLE — protocol glue. The generated message classes and service
 * definitions are loaded from the very package the adapter's client comes from: the
 * two KurrentDB client packages register their generated code on one global `proto`
 * object, so a second copy in the same process would clash (recipe pitfall 3).
 */
import anyPb from "google-protobuf/google/protobuf/any_pb.js"
import emptyPb from "google-protobuf/google/protobuf/empty_pb.js"
import codePb from "@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/code_pb.js"
import featuresGrpc from "@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_grpc_pb.js"
import featuresPb from "@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb.js"
import sharedPb from "@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js"
import statusPb from "@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/status_pb.js"
import streamsGrpc from "@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb.js"
import streamsPb from "@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js"
import type { UUID } from "@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js"
import type { ReadResp } from "@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js"
import type { StoredEvent } from "./log.js"

export { anyPb, codePb, emptyPb, featuresGrpc, featuresPb, sharedPb, statusPb, streamsGrpc, streamsPb }

const u64 = (1n << 64n) - 1n

/** UUIDs arrive either as text or as two signed 64-bit halves ("structured"). */
export const uuidToString = (uuid: UUID | undefined): string => {
  if (uuid === undefined) return ""
  if (!uuid.hasStructured()) return uuid.getString()
  const structured = uuid.getStructured()
  const half = (value: string | undefined) => (BigInt(value ?? "0") & u64).toString(16).padStart(16, "0")
  const ms = half(structured?.getMostSignificantBits())
  const ls = half(structured?.getLeastSignificantBits())
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-${ms.slice(12)}-${ls.slice(0, 4)}-${ls.slice(4)}`
}

export const uuidMessage = (id: string, structured: boolean): UUID => {
  const uuid = new sharedPb.UUID()
  if (!structured) return uuid.setString(id)
  const hex = id.replace(/-/g, "")
  const signed = (part: string) => BigInt.asIntN(64, BigInt(`0x${part}`)).toString()
  return uuid.setStructured(
    new sharedPb.UUID.Structured()
      .setMostSignificantBits(signed(hex.slice(0, 16)))
      .setLeastSignificantBits(signed(hex.slice(16, 32)))
  )
}

export const streamIdentifier = (name: string) =>
  new sharedPb.StreamIdentifier().setStreamName(Uint8Array.from(Buffer.from(name, "utf8")))

export const streamNameOf = (identifier: { getStreamName_asU8(): Uint8Array } | undefined): string =>
  identifier === undefined ? "" : Buffer.from(identifier.getStreamName_asU8()).toString("utf8")

/** The server's `created` is .NET ticks (100 ns) since the Unix epoch, as text. */
export const ticksNow = (): bigint => BigInt(Date.now()) * 10_000n

export const readEventResp = (event: StoredEvent, structuredIds: boolean): ReadResp => {
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidMessage(event.id, structuredIds))
    .setStreamIdentifier(streamIdentifier(event.stream))
    .setStreamRevision(event.revision.toString())
    .setPreparePosition(event.prepare.toString())
    .setCommitPosition(event.commit.toString())
    .setCustomMetadata(event.customMetadata)
    .setData(event.data)
  recorded.getMetadataMap()
    .set("type", event.type)
    .set("content-type", event.contentType)
    .set("created", event.createdTicks.toString())
  const read = new streamsPb.ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(event.commit.toString())
  return new streamsPb.ReadResp().setEvent(read)
}
