/**
 * A KurrentDB TEST DOUBLE: a real gRPC server (@grpc/grpc-js) speaking the KurrentDB
 * v1 protocol from the client package's own generated service definitions, backed by
 * an in-memory log. It is not KurrentDB: it implements just what the honeyhole adapter
 * uses (ServerFeatures, Streams.Append/BatchAppend/Read) so the adapter can run over
 * real gRPC — through both of the client's code paths, grpc-js for appends and
 * subscriptions and the native bridge for reads — on machines where no server can run.
 * Binds 127.0.0.1 only.
 */
import * as grpc from "@grpc/grpc-js"
import type { Empty } from "@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js"
import type { SupportedMethods } from "@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb.js"
import { batchAppend, legacyAppend } from "./appends.js"
import { EventLog } from "./log.js"
import { featuresGrpc, featuresPb, streamsGrpc } from "./protocol.js"
import { read } from "./reads.js"

export { EventLog } from "./log.js"

export interface KurrentDbDoubleOptions {
  /**
   * true (default): advertise BatchAppend, as real servers do, so the client appends
   * through it; false: answer GetSupportedMethods with UNIMPLEMENTED, as old servers
   * did, so the client falls back to the legacy Append.
   */
  readonly batchAppend?: boolean
  /** 0 (default) picks a free port; pass a stopped double's port to restart it in place */
  readonly port?: number
  /** the log to serve; pass a stopped double's log to keep its data across a restart */
  readonly log?: EventLog
}

/** Calls served, so tests can tell which of the client's code paths ran. */
export interface DoubleCalls {
  getSupportedMethods: number
  append: number
  batchAppend: number
  read: number
  subscribe: number
}

export interface KurrentDbDouble {
  readonly url: string
  readonly port: number
  readonly log: EventLog
  readonly calls: Readonly<DoubleCalls>
  stop(): Promise<void>
}

// Real servers advertise lower-case names; the clients compare case-insensitively.
const streamsService = "event_store.client.streams.streams"
const advertised = ["read", "append", "batchappend", "delete", "tombstone"]

const supportedMethods = (batchAppend: boolean, calls: DoubleCalls) => (
  _call: grpc.ServerUnaryCall<Empty, SupportedMethods>,
  callback: grpc.sendUnaryData<SupportedMethods>
) => {
  calls.getSupportedMethods++
  if (!batchAppend) {
    return callback({ code: grpc.status.UNIMPLEMENTED, details: "GetSupportedMethods is not implemented" })
  }
  const methods = advertised.map((name) =>
    new featuresPb.SupportedMethod().setServiceName(streamsService).setMethodName(name)
  )
  methods.push(
    new featuresPb.SupportedMethod()
      .setServiceName("event_store.client.server_features.serverfeatures")
      .setMethodName("getsupportedmethods")
  )
  // The native bridge parses this as semver.
  callback(null, new featuresPb.SupportedMethods().setEventStoreServerVersion("24.10.0").setMethodsList(methods))
}

const counted = <Args extends [unknown, ...Array<unknown>]>(
  handler: (...args: Args) => void,
  count: (call: Args[0]) => void
) => (...args: Args) => {
  count(args[0])
  handler(...args)
}

export const startKurrentDbDouble = async (options: KurrentDbDoubleOptions = {}): Promise<KurrentDbDouble> => {
  const log = options.log ?? EventLog.withSystemEvents()
  const calls: DoubleCalls = { getSupportedMethods: 0, append: 0, batchAppend: 0, read: 0, subscribe: 0 }
  const server = new grpc.Server()
  server.addService(featuresGrpc.ServerFeaturesService, {
    getSupportedMethods: supportedMethods(options.batchAppend ?? true, calls)
  })
  server.addService(streamsGrpc.StreamsService, {
    read: counted(read(log), (call) => {
      if (call.request.getOptions()?.hasSubscription()) calls.subscribe++
      else calls.read++
    }),
    append: counted(legacyAppend(log), () => calls.append++),
    batchAppend: counted(batchAppend(log), () => calls.batchAppend++),
    delete: (_call: unknown, callback: grpc.sendUnaryData<never>) =>
      callback({ code: grpc.status.UNIMPLEMENTED, details: "not in the test double" }),
    tombstone: (_call: unknown, callback: grpc.sendUnaryData<never>) =>
      callback({ code: grpc.status.UNIMPLEMENTED, details: "not in the test double" })
  })
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error)
    )
  )
  return {
    url: `kurrentdb://127.0.0.1:${port}?tls=false`,
    port,
    log,
    calls,
    // forceShutdown drops open calls and connections at once, as a crashing server would.
    stop: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown()
        setImmediate(resolve)
      })
  }
}
