/**
 * The index template and ILM policy honeyhole needs, put at start when missing or
 * different from ours (they are ours: a hand edit is overwritten, and logged).
 *
 * "Different" is decided by a hash of our body kept in the resource's `_meta`, not by
 * comparing what ES returns: ES normalises bodies (adds defaults such as
 * `delete_searchable_snapshot`), so a structural comparison would put them every start.
 */
import type { Client } from "@elastic/elasticsearch"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { describeClientError, SearchIndexError } from "./errors.js"

export interface Bootstrap {
  /** `<prefix>`: the composable template's name */
  readonly templateName: string
  /** `<prefix>-retention` (`honeyhole-events-retention` by default) */
  readonly policyName: string
  /** bodies as sent, `_meta.hash` included */
  readonly template: Record<string, unknown>
  readonly policy: Record<string, unknown>
}

type Json = Record<string, unknown>

const canonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(",")}]`
    : typeof value === "object" && value !== null
      ? `{${Object.keys(value)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((value as Json)[k])}`)
          .join(",")}}`
      : JSON.stringify(value)

const hashOf = (value: unknown) => createHash("sha256").update(canonical(value)).digest("hex").slice(0, 16)

const asObject = (value: unknown): Json => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {})

/** Sets `index.lifecycle.name` wherever the template keeps it (flat key or nested object). */
const withLifecycle = (settings: Json, policyName: string): Json => {
  const nested = asObject(asObject(settings["index"])["lifecycle"])
  if (Object.keys(nested).length > 0) {
    const index = asObject(settings["index"])
    return { ...settings, index: { ...index, lifecycle: { ...nested, name: policyName } } }
  }
  return { ...settings, "index.lifecycle.name": policyName }
}

/**
 * Our bodies from the shipped JSON (config/elasticsearch), with the configured prefix and
 * retention substituted.
 */
export const bootstrapFor = (
  prefix: string,
  retentionDays: number,
  shipped: { readonly template: unknown; readonly policy: unknown }
): Bootstrap => {
  const policyName = `${prefix}-retention`
  const base = asObject(shipped.template)
  const inner = asObject(base["template"])
  const templateBody: Json = {
    ...base,
    index_patterns: [`${prefix}-*`],
    template: { ...inner, settings: withLifecycle(asObject(inner["settings"]), policyName) }
  }
  const shippedPolicy = asObject(shipped.policy)
  const policyInner = asObject(shippedPolicy["policy"] ?? shippedPolicy)
  const phases = asObject(policyInner["phases"])
  const del = asObject(phases["delete"])
  const policyBody: Json = {
    ...policyInner,
    phases: { ...phases, delete: { actions: { delete: {} }, ...del, min_age: `${retentionDays}d` } }
  }
  const meta = (body: Json) => ({ ...asObject(body["_meta"]), managed_by: "honeyhole", hash: hashOf(body) })
  return {
    templateName: prefix,
    policyName,
    template: { ...templateBody, _meta: meta(templateBody) },
    policy: { ...policyBody, _meta: meta(policyBody) }
  }
}

/** The template and policy shipped in config/elasticsearch (engineer-owned JSON, read once). */
export const readShipped = () =>
  Effect.try({
    try: () => ({
      template: JSON.parse(readFileSync(new URL("../../config/elasticsearch/index-template.json", import.meta.url), "utf8")) as unknown,
      policy: JSON.parse(readFileSync(new URL("../../config/elasticsearch/ilm-policy.json", import.meta.url), "utf8")) as unknown
    }),
    catch: (cause) =>
      new SearchIndexError({ reason: "Open", message: `cannot read config/elasticsearch/*.json: ${String(cause)}`, cause })
  })

const call = <A>(what: string, reason: "Read" | "Write", f: (signal: AbortSignal) => Promise<A>) =>
  Effect.tryPromise({
    try: f,
    catch: (cause) => new SearchIndexError({ reason, message: `${what}: ${describeClientError(cause)}`, cause })
  })

const hashIn = (meta: unknown): unknown => asObject(meta)["hash"]

/** Puts the ILM policy, then the template (which names it), each only when missing or changed. */
export const ensureBootstrap = (client: Client, ours: Bootstrap) =>
  Effect.gen(function* () {
    const policies = yield* call(`cannot read ILM policy ${ours.policyName}`, "Read", (signal) =>
      client.ilm.getLifecycle({ name: ours.policyName }, { ignore: [404], signal })
    )
    const existingPolicy = asObject(asObject(asObject(policies)[ours.policyName])["policy"])
    const policyPut = hashIn(existingPolicy["_meta"]) !== hashIn(ours.policy["_meta"])
    if (policyPut) {
      yield* call(`cannot put ILM policy ${ours.policyName}`, "Write", (signal) =>
        client.ilm.putLifecycle({ name: ours.policyName, policy: ours.policy as never }, { signal })
      )
    }
    const templates = yield* call(`cannot read index template ${ours.templateName}`, "Read", (signal) =>
      client.indices.getIndexTemplate({ name: ours.templateName }, { ignore: [404], signal })
    )
    const found = (asObject(templates)["index_templates"] as ReadonlyArray<{ index_template?: Json }> | undefined)?.[0]?.index_template
    const templatePut = hashIn(found?.["_meta"]) !== hashIn(ours.template["_meta"])
    if (templatePut) {
      yield* call(`cannot put index template ${ours.templateName}`, "Write", (signal) =>
        // the whole body as `body`: keys the client does not know would otherwise go to the query string
        client.indices.putIndexTemplate({ name: ours.templateName, body: ours.template } as never, { signal })
      )
    }
    if (policyPut || templatePut) {
      yield* Effect.logInfo(
        `elasticsearch: ${[policyPut ? `ILM policy ${ours.policyName}` : "", templatePut ? `index template ${ours.templateName}` : ""].filter(Boolean).join(" and ")} ${
          found === undefined && Object.keys(existingPolicy).length === 0 ? "created" : "put"
        }`
      )
    }
    return { policyPut, templatePut }
  })
