/**
 * Kibana's saved-objects import API (`POST [/s/<space>]/api/saved_objects/_import`): the
 * same call as Stack Management → Saved objects → Import. Node's fetch + FormData, no client
 * library: it is one multipart request, and every failure is turned into a sentence an
 * on-call admin can act on (wrong URL, Kibana down, bad credentials, missing space, a proxy
 * in the way, objects Kibana refused).
 */
import { Data, Duration, Effect, Either, Redacted, Schema } from "effect"
import { redactUrl } from "../redactUrl.js"

export type KibanaAuth =
  | { readonly _tag: "None" }
  | { readonly _tag: "Basic"; readonly username: string; readonly password: Redacted.Redacted<string> }
  | { readonly _tag: "ApiKey"; readonly key: Redacted.Redacted<string> }

export interface KibanaImportOptions {
  /** Kibana's base URL, including `server.basePath` when it has one */
  readonly url: string
  /** a Kibana space id; null = the default space */
  readonly space: string | null
  /** replace objects that already exist (otherwise they come back as conflicts) */
  readonly overwrite: boolean
  readonly auth: KibanaAuth
  readonly timeout?: Duration.DurationInput
}

export class KibanaError extends Data.TaggedError("KibanaError")<{
  readonly reason: "Input" | "Connect" | "Timeout" | "Unauthorized" | "Forbidden" | "NotFound" | "Rejected" | "NotKibana"
  readonly message: string
  readonly cause?: unknown
}> {}

const ImportErrorDetail = Schema.Struct({
  type: Schema.String,
  message: Schema.optional(Schema.String),
  statusCode: Schema.optional(Schema.Number),
  references: Schema.optional(Schema.Array(Schema.Struct({ type: Schema.String, id: Schema.String })))
})
const ObjectMeta = Schema.Struct({ title: Schema.optional(Schema.String), icon: Schema.optional(Schema.String) })

/** The body Kibana answers an import with (8.x and 9.x). */
export const ImportResponse = Schema.Struct({
  success: Schema.Boolean,
  successCount: Schema.Number,
  successResults: Schema.optionalWith(
    Schema.Array(
      Schema.Struct({
        type: Schema.String,
        id: Schema.String,
        destinationId: Schema.optional(Schema.String),
        overwrite: Schema.optional(Schema.Boolean),
        meta: Schema.optional(ObjectMeta)
      })
    ),
    { default: () => [] }
  ),
  errors: Schema.optionalWith(
    Schema.Array(
      Schema.Struct({
        type: Schema.String,
        id: Schema.String,
        title: Schema.optional(Schema.String),
        meta: Schema.optional(ObjectMeta),
        error: ImportErrorDetail
      })
    ),
    { default: () => [] }
  ),
  warnings: Schema.optionalWith(Schema.Array(Schema.Unknown), { default: () => [] })
})
export type ImportResponse = typeof ImportResponse.Type
export type ImportObjectError = ImportResponse["errors"][number]

/** Kibana's (hapi's) error body: `{ statusCode, error, message }`. */
const KibanaErrorBody = Schema.Struct({ statusCode: Schema.Number, error: Schema.optional(Schema.String), message: Schema.optional(Schema.String) })

/** Splits user:password out of the URL (fetch refuses URLs carrying credentials). */
export const parseKibanaUrl = (raw: string): Either.Either<{ readonly base: string; readonly username: string | null; readonly password: string | null }, KibanaError> => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return Either.left(new KibanaError({ reason: "Input", message: `--url ${JSON.stringify(raw)} is not a URL; expected something like http://127.0.0.1:5601` }))
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Either.left(new KibanaError({ reason: "Input", message: `--url ${JSON.stringify(redactUrl(raw))}: Kibana is reached over http:// or https://, not ${url.protocol}` }))
  }
  const username = url.username === "" ? null : decodeURIComponent(url.username)
  const password = url.password === "" ? null : decodeURIComponent(url.password)
  url.username = ""
  url.password = ""
  url.search = ""
  url.hash = ""
  return Either.right({ base: url.toString().replace(/\/+$/, ""), username, password })
}

/** `<base>[/s/<space>]` — the prefix of every Kibana URL in that space. */
export const spaceUrl = (base: string, space: string | null): string => (space === null || space === "default" ? base : `${base}/s/${encodeURIComponent(space)}`)

const authHeader = (auth: KibanaAuth): Record<string, string> => {
  switch (auth._tag) {
    case "None":
      return {}
    case "Basic":
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${Redacted.value(auth.password)}`).toString("base64")}` }
    case "ApiKey":
      return { authorization: `ApiKey ${Redacted.value(auth.key)}` }
  }
}

const networkProblem = (cause: unknown): string => {
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | null)?.cause
  const code = typeof inner?.code === "string" ? inner.code : undefined
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused"
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host name not found"
    case "ECONNRESET":
      return "connection reset"
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable"
    case "UND_ERR_CONNECT_TIMEOUT":
      return "connect timed out"
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
      return `TLS certificate not trusted (${code}; set NODE_EXTRA_CA_CERTS to Kibana's CA file)`
  }
  if (typeof inner?.message === "string") return inner.message
  return cause instanceof Error ? cause.message : String(cause)
}

const snippet = (text: string): string => {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat
}

/**
 * Posts the ndjson as the multipart field `file` with `kbn-xsrf` (Kibana refuses state-changing
 * API calls without it). Resolves with Kibana's answer even when some objects failed — the
 * caller reports them; fails only when Kibana could not be asked or did not answer as Kibana.
 */
export const importSavedObjects = (options: KibanaImportOptions, ndjson: string, filename: string): Effect.Effect<ImportResponse, KibanaError> =>
  Effect.gen(function* () {
    const { base } = yield* parseKibanaUrl(options.url)
    const endpoint = `${spaceUrl(base, options.space)}/api/saved_objects/_import${options.overwrite ? "?overwrite=true" : ""}`
    const where = `Kibana at ${redactUrl(options.url)}`
    const timeout = Duration.decode(options.timeout ?? "60 seconds")

    const response = yield* Effect.tryPromise({
      try: (signal) => {
        const form = new FormData()
        form.append("file", new Blob([ndjson], { type: "application/ndjson" }), filename)
        return fetch(endpoint, {
          method: "POST",
          headers: { "kbn-xsrf": "true", ...authHeader(options.auth) },
          body: form,
          redirect: "manual",
          signal: AbortSignal.any([signal, AbortSignal.timeout(Duration.toMillis(timeout))])
        })
      },
      catch: (cause) =>
        (cause as { name?: unknown } | null)?.name === "TimeoutError"
          ? new KibanaError({ reason: "Timeout", message: `${where} did not answer within ${Duration.format(timeout)}`, cause })
          : new KibanaError({ reason: "Connect", message: `cannot reach ${where}: ${networkProblem(cause)} — is Kibana running, and is --url right?`, cause })
    })
    const text = yield* Effect.tryPromise({
      try: () => response.text(),
      catch: (cause) => new KibanaError({ reason: "Connect", message: `${where} closed the connection mid-answer: ${networkProblem(cause)}`, cause })
    })
    let body: unknown = undefined
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    const kibanaMessage = Either.match(Schema.decodeUnknownEither(KibanaErrorBody)(body), {
      onLeft: () => null,
      onRight: (b) => b.message ?? b.error ?? null
    })
    const said = kibanaMessage === null ? "" : `: ${kibanaMessage}`
    const status = response.status

    if (status >= 300 && status < 400) {
      const location = response.headers.get("location") ?? "?"
      return yield* new KibanaError({
        reason: "NotKibana",
        message: `${where} redirected the import to ${location} (HTTP ${status}) — a login proxy in front of Kibana? Use Kibana's own URL, or --api-key`
      })
    }
    if (status === 401) {
      return yield* new KibanaError({
        reason: "Unauthorized",
        message: `${where} refused the credentials (HTTP 401${said}); give --user/--password or --api-key (or KIBANA_USERNAME/KIBANA_PASSWORD, KIBANA_API_KEY)`
      })
    }
    if (status === 403) {
      return yield* new KibanaError({
        reason: "Forbidden",
        message: `${where}: this user may not import saved objects${options.space === null ? "" : ` in space "${options.space}"`} (HTTP 403${said}); it needs the Saved Objects Management privilege`
      })
    }
    if (status === 404) {
      return yield* new KibanaError({
        reason: "NotFound",
        message: `no saved-objects import API at ${redactUrl(endpoint)} (HTTP 404${said}): check --url (include Kibana's server.basePath, if any)${options.space === null ? "" : ` and that space "${options.space}" exists`}`
      })
    }
    if (status !== 200) {
      return yield* new KibanaError({
        reason: kibanaMessage === null ? "NotKibana" : "Rejected",
        message:
          kibanaMessage === null
            ? `${where} answered HTTP ${status} ${response.headers.get("content-type") ?? ""} — is this Kibana? (${snippet(text) || "empty body"})`
            : `${where} rejected the import (HTTP ${status}${said})`
      })
    }
    return yield* Schema.decodeUnknown(ImportResponse)(body).pipe(
      Effect.mapError(
        (cause) =>
          new KibanaError({
            reason: "NotKibana",
            message: `${where} answered HTTP 200 but not with a saved-objects import result — is this Kibana? (${snippet(text) || "empty body"})`,
            cause
          })
      )
    )
  })

/** One line per object Kibana refused, with what to do about it. */
export const describeImportError = (e: ImportObjectError): string => {
  const title = e.meta?.title ?? e.title
  const what = `${e.type} "${e.id}"${title === undefined ? "" : ` (${title})`}`
  switch (e.error.type) {
    case "conflict":
    case "ambiguous_conflict":
      return `${what}: already exists — rerun with --overwrite to replace it`
    case "missing_references":
      return `${what}: refers to objects Kibana does not have: ${(e.error.references ?? []).map((r) => `${r.type} "${r.id}"`).join(", ")}`
    case "unsupported_type":
      return `${what}: this Kibana does not know the type "${e.type}" (a Kibana older than 8.8, or the plugin is disabled)`
    default:
      return `${what}: ${e.error.type}${e.error.message === undefined ? "" : ` — ${e.error.message}`}`
  }
}
