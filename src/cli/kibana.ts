/**
 * `honeyhole kibana import`: loads the shipped data view, charts and dashboard
 * (config/kibana/honeyhole.ndjson) into Kibana through its saved-objects import API.
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Either, Option, Redacted } from "effect"
import { readFile } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { ImportResponse, KibanaAuth } from "../../adapters/kibana/index.js"
import {
  describeImportError,
  describeObjects,
  importSavedObjects,
  KibanaError,
  parseKibanaUrl,
  parseSavedObjects,
  spaceUrl,
  toNdjson,
  withDataViewTitle
} from "../../adapters/kibana/index.js"
import { redactUrl } from "../../adapters/redactUrl.js"
import { currentConfig } from "../AppConfig.js"
import type { HoneyholeConfig } from "../config/schema.js"

/** The saved objects shipped with honeyhole (found next to the sources, wherever they run from). */
export const defaultSavedObjectsFile = resolve(dirname(fileURLToPath(import.meta.url)), "../../config/kibana/honeyhole.ndjson")
/** The data view every shipped chart references; its title follows `elasticsearch.index`. */
export const dataViewId = "honeyhole-events"
export const dashboardId = "honeyhole-dashboard"
export const defaultKibanaUrl = "http://127.0.0.1:5601"

type Env = Readonly<Record<string, string | undefined>>
const nonEmpty = (v: string | undefined | null): v is string => v !== undefined && v !== null && v !== ""

/**
 * Credentials, first source found wins: flags, then KIBANA_USERNAME/KIBANA_PASSWORD or
 * KIBANA_API_KEY, then user:password in the URL, then the Elasticsearch credentials of the
 * configuration (in a stack with security on, the same users and API keys log in to Kibana).
 */
export const resolveAuth = (
  flags: { readonly user: string | null; readonly password: Redacted.Redacted<string> | null; readonly apiKey: Redacted.Redacted<string> | null },
  env: Env,
  fromUrl: { readonly username: string | null; readonly password: string | null },
  es: Pick<HoneyholeConfig["elasticsearch"], "username" | "password" | "apiKey">
): Either.Either<KibanaAuth, KibanaError> => {
  const bad = (message: string) => Either.left(new KibanaError({ reason: "Input", message }))
  // one source at a time, so a flag never combines with (or conflicts with) an env variable
  const fromFlags = { user: flags.user, password: flags.password, apiKey: flags.apiKey }
  const fromEnv = {
    user: nonEmpty(env.KIBANA_USERNAME) ? env.KIBANA_USERNAME : null,
    password: nonEmpty(env.KIBANA_PASSWORD) ? Redacted.make(env.KIBANA_PASSWORD) : null,
    apiKey: nonEmpty(env.KIBANA_API_KEY) ? Redacted.make(env.KIBANA_API_KEY) : null
  }
  const given = (s: typeof fromFlags) => s.user !== null || s.password !== null || s.apiKey !== null
  const source = given(fromFlags) ? { ...fromFlags, where: "flags" } : given(fromEnv) ? { ...fromEnv, where: "environment" } : null
  if (source !== null) {
    const [userName, passwordName, keyName] =
      source.where === "flags" ? ["--user", "--password", "--api-key"] : ["KIBANA_USERNAME", "KIBANA_PASSWORD", "KIBANA_API_KEY"]
    if (source.apiKey !== null && (source.user !== null || source.password !== null)) return bad(`give either ${keyName} or ${userName}/${passwordName}, not both`)
    if (source.apiKey !== null) return Either.right({ _tag: "ApiKey", key: source.apiKey })
    if (source.user === null) return bad(`${passwordName} needs ${userName}`)
    if (source.password === null) return bad(`${userName} ${source.user} needs a password: ${passwordName}`)
    return Either.right({ _tag: "Basic", username: source.user, password: source.password })
  }
  if (fromUrl.username !== null) return Either.right({ _tag: "Basic", username: fromUrl.username, password: Redacted.make(fromUrl.password ?? "") })
  if (nonEmpty(es.apiKey)) return Either.right({ _tag: "ApiKey", key: Redacted.make(es.apiKey) })
  if (nonEmpty(es.username)) return Either.right({ _tag: "Basic", username: es.username, password: Redacted.make(es.password ?? "") })
  return Either.right({ _tag: "None" })
}

const authLabel = (auth: KibanaAuth): string =>
  auth._tag === "None" ? "without credentials" : auth._tag === "ApiKey" ? "with an API key" : `as user ${JSON.stringify(auth.username)}`

const optionalText = (name: string, description: string) => Options.text(name).pipe(Options.withDescription(description), Options.optional)

const importOptions = {
  url: optionalText("url", `Kibana's base URL, with server.basePath if any (default: $KIBANA_URL, else ${defaultKibanaUrl})`),
  space: optionalText("space", "Kibana space id to import into (default: the default space)"),
  overwrite: Options.boolean("overwrite").pipe(Options.withDescription("replace objects that already exist (otherwise they are reported as conflicts)")),
  user: optionalText("user", "Kibana user (default: $KIBANA_USERNAME, else elasticsearch.username)"),
  password: Options.redacted("password").pipe(Options.withDescription("password for --user (default: $KIBANA_PASSWORD)"), Options.optional),
  apiKey: Options.redacted("api-key").pipe(Options.withDescription("API key, base64 id:key (default: $KIBANA_API_KEY, else elasticsearch.apiKey)"), Options.optional),
  file: optionalText("file", "saved-objects ndjson to import (default: the shipped config/kibana/honeyhole.ndjson)"),
  json: Options.boolean("json").pipe(Options.withDescription("print Kibana's answer as JSON"))
}

export interface ImportFlags {
  readonly url: Option.Option<string>
  readonly space: Option.Option<string>
  readonly overwrite: boolean
  readonly user: Option.Option<string>
  readonly password: Option.Option<Redacted.Redacted<string>>
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly file: Option.Option<string>
  readonly json: boolean
}

/** The command's body, with the environment passed in (tests run it in-process). */
export const kibanaImport = (flags: ImportFlags, env: Env) =>
  Effect.gen(function* () {
    const config = yield* currentConfig
    const url = Option.getOrElse(flags.url, () => (nonEmpty(env.KIBANA_URL) ? env.KIBANA_URL : defaultKibanaUrl))
    const space = Option.getOrNull(flags.space)
    const parsedUrl = yield* parseKibanaUrl(url)
    const auth = yield* resolveAuth(
      { user: Option.getOrNull(flags.user), password: Option.getOrNull(flags.password), apiKey: Option.getOrNull(flags.apiKey) },
      env,
      parsedUrl,
      config.elasticsearch
    )

    const file = Option.getOrElse(flags.file, () => defaultSavedObjectsFile)
    const text = yield* Effect.tryPromise({
      try: () => readFile(file, "utf8"),
      catch: (cause) => new KibanaError({ reason: "Input", message: `cannot read --file ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, cause })
    })
    const pattern = `${config.elasticsearch.index}-*`
    const objects = withDataViewTitle(yield* parseSavedObjects(text, file), dataViewId, pattern)

    const answer = yield* importSavedObjects({ url, space, overwrite: flags.overwrite, auth }, toNdjson(objects), "honeyhole.ndjson")
    const target = `Kibana at ${redactUrl(url)}${space === null ? "" : ` (space "${space}")`}`
    if (flags.json) {
      yield* Console.log(JSON.stringify({ kibana: redactUrl(url), space, file, dataView: { id: dataViewId, title: pattern }, ...answer }, null, 2))
    } else {
      yield* printSummary(answer, objects.length, target, spaceUrl(parsedUrl.base, space), pattern, authLabel(auth))
    }
    if (answer.errors.length > 0 || !answer.success) {
      return yield* new KibanaError({
        reason: "Rejected",
        message: `${answer.errors.length} of ${objects.length} saved objects were not imported into ${target}${flags.json ? "" : " (listed above)"}`
      })
    }
  })

export const importCommand = Command.make("import", importOptions, (flags) => kibanaImport(flags, process.env)).pipe(
  Command.withDescription("Import the honeyhole data view, charts and dashboard into Kibana (saved-objects import API).")
)

const printSummary = (answer: ImportResponse, sent: number, target: string, appBase: string, pattern: string, auth: string) =>
  Effect.gen(function* () {
    if (answer.successCount > 0) {
      yield* Console.log(`imported ${answer.successCount} of ${sent} saved objects into ${target} ${auth}: ${describeObjects(answer.successResults)}`)
      yield* Console.log(`data view: ${pattern} (id ${dataViewId})`)
      if (answer.successResults.some((r) => r.type === "dashboard" && r.id === dashboardId)) {
        yield* Console.log(`dashboard: ${appBase}/app/dashboards#/view/${dashboardId}`)
      }
    }
    for (const e of answer.errors) yield* Console.error(`  ${describeImportError(e)}`)
  })

export const kibanaCommand = Command.make("kibana").pipe(
  Command.withDescription("Kibana dashboards for the search projection (config/kibana/)."),
  Command.withSubcommands([importCommand])
)
