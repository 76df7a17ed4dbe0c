/**
 * The Elasticsearch side of the `search` projection: template and ILM bootstrap, bulk
 * indexing into dated indices, and dropping our indices for a rebuild.
 *
 * Loaded only when `elasticsearch.node` is set (src/Projections.ts imports this module
 * dynamically), so a default start never loads the client.
 */
import type { Client } from "@elastic/elasticsearch"
import { Context, Effect, Layer } from "effect"
import { bootstrapFor, ensureBootstrap, readShipped } from "./bootstrap.js"
import { bulkIndex } from "./bulk.js"
import type { BulkOptions, BulkResult, IndexRequest } from "./bulk.js"
import { describeNode, makeClient, secretsOf } from "./client.js"
import type { ElasticsearchOptions } from "./client.js"
import { describeClientError, redactSecrets, SearchIndexError } from "./errors.js"
import { indexFor, isOurIndex } from "./indices.js"

export type { BulkOptions, BulkResult, IndexRequest, Rejection } from "./bulk.js"
export type { ElasticsearchOptions } from "./client.js"
export { SearchIndexError } from "./errors.js"
export { indexFor, isOurIndex } from "./indices.js"

export interface SearchIndexOptions extends ElasticsearchOptions {
  /** index prefix (`elasticsearch.index`) */
  readonly index: string
  readonly retentionDays: number
  readonly bulk?: BulkOptions
  /** template and policy bodies; default: config/elasticsearch/*.json */
  readonly shipped?: { readonly template: unknown; readonly policy: unknown }
}

export interface SearchIndexShape {
  /** the node URL, password redacted */
  readonly location: string
  readonly prefix: string
  /** `<prefix>-YYYY.MM.DD` for an event time */
  readonly indexFor: (timestamp: string) => string
  /** ILM policy and index template, put when missing or changed */
  readonly setup: Effect.Effect<void, SearchIndexError>
  readonly bulk: (requests: ReadonlyArray<IndexRequest>) => Effect.Effect<BulkResult, SearchIndexError>
  /** deletes every `<prefix>-YYYY.MM.DD` index (and nothing else); returns their names */
  readonly dropAll: Effect.Effect<ReadonlyArray<string>, SearchIndexError>
}

export class SearchIndex extends Context.Tag("honeyhole/SearchIndex")<SearchIndex, SearchIndexShape>() {
  /** a client for `options`, closed with the layer's scope */
  static layer = (options: SearchIndexOptions) =>
    Layer.scoped(
      SearchIndex,
      Effect.acquireRelease(Effect.sync(() => makeClient(options)), (client) => Effect.promise(() => client.close().catch(() => undefined))).pipe(
        Effect.flatMap((client) => make(client, options))
      )
    )
}

export const make = (client: Client, options: SearchIndexOptions) =>
  Effect.gen(function* () {
    const secrets = secretsOf(options)
    const location = describeNode(options.node)
    const scrub = (e: SearchIndexError) => new SearchIndexError({ reason: e.reason, message: redactSecrets(e.message, secrets), cause: e.cause })
    let shipped = options.shipped
    const ours = Effect.gen(function* () {
      shipped ??= yield* readShipped()
      return bootstrapFor(options.index, options.retentionDays, shipped)
    })
    const ourName = isOurIndex(options.index)

    const dropAll = Effect.gen(function* () {
      // ES refuses wildcard deletes by default (action.destructive_requires_name): list, then name them
      const found = yield* Effect.tryPromise({
        try: (signal) => client.indices.get({ index: `${options.index}-*`, expand_wildcards: "all", allow_no_indices: true }, { signal }),
        catch: (cause) => new SearchIndexError({ reason: "Read", message: `cannot list indices ${options.index}-*: ${describeClientError(cause)}`, cause })
      })
      const names = Object.keys(found).filter(ourName).sort()
      // names go in the URL: 50 at a time stays under ES's 4 KB request-line limit
      for (let i = 0; i < names.length; i += 50) {
        const group = names.slice(i, i + 50)
        yield* Effect.tryPromise({
          try: (signal) => client.indices.delete({ index: group, ignore_unavailable: true }, { signal }),
          catch: (cause) => new SearchIndexError({ reason: "Write", message: `cannot delete indices ${group[0]} … ${group.at(-1)}: ${describeClientError(cause)}`, cause })
        })
      }
      return names
    })

    return SearchIndex.of({
      location,
      prefix: options.index,
      indexFor: (timestamp) => indexFor(options.index, timestamp),
      setup: Effect.flatMap(ours, (b) => ensureBootstrap(client, b)).pipe(Effect.asVoid, Effect.mapError(scrub)),
      bulk: (requests) => bulkIndex(client, requests, { ...options.bulk, secrets }).pipe(Effect.mapError(scrub)),
      dropAll: dropAll.pipe(Effect.mapError(scrub))
    })
  })
