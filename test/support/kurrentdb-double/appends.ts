/**
 * KurrentDB TEST DOUBLE — Streams.Append (legacy, client-streaming) and
 * Streams.BatchAppend (bidi), answering as the real server does:
 *  - legacy Append reports a revision conflict inside a normal AppendResp
 *    (`wrong_expected_version`), not as a gRPC error;
 *  - BatchAppend reports it as a `google.rpc.Status` whose `details` is an Any-packed
 *    `event_store.client.WrongExpectedVersion`, answered per correlation id.
 */
import type * as grpc from "@grpc/grpc-js"
import type {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp
} from "@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js"
import type { AppendOutcome, EventLog, ExpectedState, ProposedEvent } from "./log.js"
import { anyPb, codePb, emptyPb, sharedPb, statusPb, streamIdentifier, streamNameOf, streamsPb, uuidToString } from "./protocol.js"

interface ProposedMessage {
  getId(): InstanceType<typeof sharedPb.UUID> | undefined
  getMetadataMap(): { get(key: string): string | undefined }
  getData_asU8(): Uint8Array
  getCustomMetadata_asU8(): Uint8Array
}

const toProposed = (message: ProposedMessage): ProposedEvent => ({
  id: uuidToString(message.getId()),
  type: message.getMetadataMap().get("type") ?? "",
  contentType: message.getMetadataMap().get("content-type") ?? "application/octet-stream",
  data: message.getData_asU8(),
  customMetadata: message.getCustomMetadata_asU8()
})

interface ExpectedOptions {
  hasNoStream(): boolean
  hasAny(): boolean
  hasStreamExists(): boolean
}

const expectedOf = (options: ExpectedOptions, revision: string | undefined): ExpectedState =>
  options.hasNoStream()
    ? { kind: "no_stream" }
    : options.hasStreamExists()
    ? { kind: "stream_exists" }
    : revision !== undefined
    ? { kind: "revision", revision: BigInt(revision) }
    : { kind: "any" }

export const legacyAppend = (log: EventLog) => (
  call: grpc.ServerReadableStream<AppendReq, AppendResp>,
  callback: grpc.sendUnaryData<AppendResp>
) => {
  let stream = ""
  let expected: ExpectedState = { kind: "any" }
  const proposed: Array<ProposedEvent> = []
  call.on("data", (request: AppendReq) => {
    const options = request.getOptions()
    if (options !== undefined) {
      stream = streamNameOf(options.getStreamIdentifier())
      expected = expectedOf(options, options.hasRevision() ? options.getRevision() : undefined)
    }
    const message = request.getProposedMessage()
    if (message !== undefined) proposed.push(toProposed(message))
  })
  call.on("end", () => callback(null, legacyResponse(log.append(stream, expected, proposed), expected, proposed.length)))
  call.on("error", () => undefined)
}

const legacyResponse = (outcome: AppendOutcome, expected: ExpectedState, count: number): AppendResp => {
  const response = new streamsPb.AppendResp()
  if (outcome.ok) {
    const success = new streamsPb.AppendResp.Success()
    if (outcome.currentRevision === null) success.setNoStream(new sharedPb.Empty())
    else success.setCurrentRevision(outcome.currentRevision.toString())
    if (count === 0) success.setNoPosition(new sharedPb.Empty())
    else {
      success.setPosition(
        new streamsPb.AppendResp.Position()
          .setCommitPosition(outcome.commit.toString())
          .setPreparePosition(outcome.prepare.toString())
      )
    }
    return response.setSuccess(success)
  }
  const wrong = new streamsPb.AppendResp.WrongExpectedVersion()
  if (outcome.currentRevision === null) wrong.setCurrentNoStream(new sharedPb.Empty())
  else wrong.setCurrentRevision(outcome.currentRevision.toString())
  switch (expected.kind) {
    case "any":
      wrong.setExpectedAny(new sharedPb.Empty())
      break
    case "no_stream":
      wrong.setExpectedNoStream(new sharedPb.Empty())
      break
    case "stream_exists":
      wrong.setExpectedStreamExists(new sharedPb.Empty())
      break
    case "revision":
      wrong.setExpectedRevision(expected.revision.toString())
      break
  }
  return response.setWrongExpectedVersion(wrong)
}

interface PendingBatch {
  stream: string
  expected: ExpectedState
  readonly proposed: Array<ProposedEvent>
}

export const batchAppend = (log: EventLog) => (call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => {
  const pending = new Map<string, PendingBatch>()
  call.on("data", (request: BatchAppendReq) => {
    const correlation = request.getCorrelationId()
    const key = uuidToString(correlation)
    const batch = pending.get(key) ?? { stream: "", expected: { kind: "any" }, proposed: [] }
    pending.set(key, batch)
    const options = request.getOptions()
    if (options !== undefined) {
      batch.stream = streamNameOf(options.getStreamIdentifier())
      batch.expected = expectedOf(options, options.hasStreamPosition() ? options.getStreamPosition() : undefined)
    }
    for (const message of request.getProposedMessagesList()) batch.proposed.push(toProposed(message))
    if (!request.getIsFinal()) return
    pending.delete(key)
    const outcome = log.append(batch.stream, batch.expected, batch.proposed)
    const response = new streamsPb.BatchAppendResp()
      .setCorrelationId(correlation)
      .setStreamIdentifier(streamIdentifier(batch.stream))
    call.write(
      outcome.ok
        ? response.setSuccess(batchSuccess(outcome, batch.proposed.length))
        : response.setError(wrongExpectedVersionStatus(batch.stream, batch.expected, outcome.currentRevision))
    )
  })
  call.on("end", () => call.end())
  call.on("error", () => undefined)
}

const batchSuccess = (outcome: AppendOutcome & { ok: true }, count: number) => {
  const success = new streamsPb.BatchAppendResp.Success()
  if (outcome.currentRevision === null) success.setNoStream(new emptyPb.Empty())
  else success.setCurrentRevision(outcome.currentRevision.toString())
  if (count === 0) return success.setNoPosition(new emptyPb.Empty())
  return success.setPosition(
    new sharedPb.AllStreamPosition()
      .setCommitPosition(outcome.commit.toString())
      .setPreparePosition(outcome.prepare.toString())
  )
}

const wrongExpectedVersionStatus = (stream: string, expected: ExpectedState, current: bigint | null) => {
  const details = new sharedPb.WrongExpectedVersion()
  if (current === null) details.setCurrentNoStream(new emptyPb.Empty())
  else details.setCurrentStreamRevision(current.toString())
  switch (expected.kind) {
    case "any":
      details.setExpectedAny(new emptyPb.Empty())
      break
    case "no_stream":
      details.setExpectedNoStream(new emptyPb.Empty())
      break
    case "stream_exists":
      details.setExpectedStreamExists(new emptyPb.Empty())
      break
    case "revision":
      details.setExpectedStreamPosition(expected.revision.toString())
      break
  }
  const packed = new anyPb.Any()
  packed.pack(details.serializeBinary(), "event_store.client.WrongExpectedVersion")
  return new statusPb.Status()
    .setCode(codePb.Code.FAILED_PRECONDITION)
    .setMessage(`WrongExpectedVersion: stream ${stream}`)
    .setDetails(packed)
}
