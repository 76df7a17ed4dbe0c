/**
 * The Elasticsearch client from honeyhole's `elasticsearch.*` keys: basic auth or an
 * API key, TLS when the node URL is https (the system CAs, as Node does).
 *
 * The client's own retries are off (`maxRetries: 0`): bulk items are retried by
 * `bulk.ts` (per item, 429/5xx only) and whole-request failures by the projection
 * runner's backoff, from its checkpoint. Two layers of retries would multiply waits.
 */
import { Client } from "@elastic/elasticsearch"
import type { ClientOptions } from "@elastic/elasticsearch"
import { redactUrl } from "../redactUrl.js"

export interface ElasticsearchOptions {
  /** http(s)://[user:pass@]host:port */
  readonly node: string
  readonly username?: string | null
  readonly password?: string | null
  readonly apiKey?: string | null
  /** per request; a stalled cluster fails the batch after this long (default 30 s) */
  readonly requestTimeoutMs?: number
  /** tests swap the transport's connection (elasticsearch-mock) */
  readonly Connection?: ClientOptions["Connection"]
}

export const makeClient = (options: ElasticsearchOptions): Client => {
  const auth =
    options.apiKey != null && options.apiKey !== ""
      ? { apiKey: options.apiKey }
      : options.username != null && options.username !== ""
        ? { username: options.username, password: options.password ?? "" }
        : undefined
  return new Client({
    node: options.node,
    ...(auth !== undefined ? { auth } : {}),
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    maxRetries: 0,
    ...(options.Connection !== undefined ? { Connection: options.Connection } : {})
  })
}

/** What may appear in logs and status: the URL without its password. */
export const describeNode = (node: string): string => redactUrl(node)

/** Secrets to scrub from any error text before it is logged or recorded. */
export const secretsOf = (options: ElasticsearchOptions): ReadonlyArray<string> => {
  const inUrl = /^[a-z][a-z0-9+.-]*:\/\/[^:@/?]*:([^@/?]*)@/i.exec(options.node)?.[1]
  return [options.password, options.apiKey, inUrl].filter((s): s is string => typeof s === "string" && s !== "")
}
