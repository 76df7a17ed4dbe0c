/**
 * Loading: embedded defaults (config/honeyhole.yaml) ← the operator's file
 * (--config, HONEYHOLE_CONFIG, or ./honeyhole.yaml when present) ← HONEYHOLE_* env.
 * Objects merge key by key; arrays and scalars replace.
 *
 * Env keys: HONEYHOLE_<KEY>__<SUBKEY>…, each segment in SCREAMING_SNAKE for a camelCase
 * key (HONEYHOLE_EVENT_STORE__URL → eventStore.url); values are YAML scalars or flow
 * collections (HONEYHOLE_BANS__NEVER_BAN='[]').
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parseDocument } from "yaml"
import { redactUrl } from "../../adapters/redactUrl.js"
import { HoneyholeConfig, secretPaths, urlPaths } from "./schema.js"

export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  source: Schema.String,
  issues: Schema.Array(Schema.String)
}) {
  override get message() {
    return `invalid configuration (${this.source}):\n${this.issues.map((i) => `  - ${i}`).join("\n")}`
  }
}

export const defaultsFile = resolve(dirname(fileURLToPath(import.meta.url)), "../../config/honeyhole.yaml")

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }
const isObject = (v: unknown): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v)

const merge = (base: Json, over: Json): Json => {
  if (!isObject(base) || !isObject(over)) return over
  const out: Record<string, Json> = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? merge(base[k]!, v) : v
  return out
}

const readYaml = (file: string): Either.Either<Json, ConfigError> => {
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (e) {
    return Either.left(new ConfigError({ source: file, issues: [`cannot read the file: ${(e as Error).message}`] }))
  }
  const doc = parseDocument(text, { prettyErrors: true })
  if (doc.errors.length > 0) {
    return Either.left(new ConfigError({ source: file, issues: doc.errors.map((e) => `YAML: ${e.message}`) }))
  }
  const value = doc.toJS() as Json
  return Either.right(value === null || value === undefined ? {} : value)
}

const camel = (segment: string) => segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())

/** HONEYHOLE_* variables as a nested object, plus the variable name behind each path. */
export const envOverrides = (env: NodeJS.ProcessEnv): { readonly value: Json; readonly origin: Map<string, string> } => {
  let value: Json = {}
  const origin = new Map<string, string>()
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("HONEYHOLE_") || raw === undefined) continue
    // not configuration: the file to read, bin/honeyhole.js's switch, the test suite's peers
    if (name === "HONEYHOLE_CONFIG" || name === "HONEYHOLE_FROM_SOURCE" || name.startsWith("HONEYHOLE_TEST_")) continue
    const path = name.slice("HONEYHOLE_".length).split("__").map(camel)
    const doc = parseDocument(raw)
    const parsed = (doc.errors.length > 0 ? raw : doc.toJS()) as Json
    const nested = path.reduceRight<Json>((acc, key) => ({ [key]: acc }), parsed ?? null)
    value = merge(value, nested)
    origin.set(path.join("."), name)
  }
  return { value, origin }
}

const formatIssues = (error: ParseResult.ParseError, origin: Map<string, string>): Array<string> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => {
    const path = issue.path.map(String).join(".")
    const from = origin.get(path)
    return `${path || "(root)"}: ${issue.message}${from === undefined ? "" : ` (from ${from})`}`
  })

const decode = Schema.decodeUnknownEither(HoneyholeConfig, { errors: "all", onExcessProperty: "error" })

export interface LoadOptions {
  /** explicit file (--config); falls back to HONEYHOLE_CONFIG, then ./honeyhole.yaml if present */
  readonly file?: string | undefined
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
}

export interface LoadedConfig {
  readonly config: HoneyholeConfig
  /** the operator's file, or null when running on embedded defaults */
  readonly file: string | null
}

export const loadConfig = (options: LoadOptions = {}): Either.Either<LoadedConfig, ConfigError> =>
  Either.gen(function* () {
    const env = options.env ?? process.env
    const cwd = options.cwd ?? process.cwd()
    const explicit = options.file ?? env.HONEYHOLE_CONFIG
    const local = resolve(cwd, "honeyhole.yaml")
    const file = explicit !== undefined && explicit !== "" ? resolve(cwd, explicit) : existsSync(local) ? local : null
    const defaults = yield* readYaml(defaultsFile)
    const user = file === null ? {} : yield* readYaml(file)
    if (!isObject(user)) {
      return yield* Either.left(new ConfigError({ source: file ?? "defaults", issues: ["(root): expected a YAML mapping of keys"] }))
    }
    const overrides = envOverrides(env)
    const merged = merge(merge(defaults, user), overrides.value)
    const source = [file ?? "embedded defaults", overrides.origin.size > 0 ? "HONEYHOLE_* env" : null].filter(Boolean).join(" + ")
    const config = yield* decode(merged).pipe(
      Either.mapLeft((e) => new ConfigError({ source, issues: formatIssues(e, overrides.origin) }))
    )
    return { config: { ...config, dataDir: resolve(cwd, config.dataDir) }, file }
  })

export const loadConfigEffect = (options: LoadOptions = {}) => Effect.suspend(() => loadConfig(options))

const getPath = (obj: Json, path: string): Json | undefined =>
  path.split(".").reduce<Json | undefined>((o, k) => (isObject(o) ? o[k] : undefined), obj)

const setPath = (obj: Record<string, Json>, path: string, value: Json) => {
  const keys = path.split(".")
  let cursor: Record<string, Json> = obj
  for (const k of keys.slice(0, -1)) {
    const next = cursor[k]
    if (!isObject(next)) return
    cursor = next
  }
  cursor[keys[keys.length - 1]!] = value
}

/** The effective configuration as plain data, secrets redacted: what `config print` shows. */
export const redactedConfig = (config: HoneyholeConfig): Json => {
  const encoded = structuredClone(Schema.encodeSync(HoneyholeConfig)(config)) as unknown as Record<string, Json>
  for (const path of secretPaths) if (getPath(encoded, path) != null) setPath(encoded, path, "***")
  for (const path of urlPaths) {
    const v = getPath(encoded, path)
    if (typeof v === "string") setPath(encoded, path, redactUrl(v))
  }
  return encoded
}
