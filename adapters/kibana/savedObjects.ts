/**
 * Kibana saved-object files (the ndjson that Stack Management → Saved objects exports and
 * imports): one JSON object per line. Parsed here before anything is sent, so a file broken
 * by a hand edit fails with its line number instead of Kibana's generic "Bad Request".
 */
import { Data, Either } from "effect"

export interface SavedObjectReference {
  readonly id: string
  readonly name: string
  readonly type: string
}

export interface SavedObject {
  readonly id: string
  readonly type: string
  readonly attributes: Record<string, unknown>
  readonly references: ReadonlyArray<SavedObjectReference>
  readonly [key: string]: unknown
}

export class SavedObjectsFileError extends Data.TaggedError("SavedObjectsFileError")<{
  readonly reason: "Decode"
  readonly message: string
}> {}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

const isReference = (v: unknown): v is SavedObjectReference =>
  isRecord(v) && typeof v.id === "string" && typeof v.name === "string" && typeof v.type === "string"

/**
 * Every non-blank line must be a saved object with a string `id` and `type`, an `attributes`
 * object and (when present) well-formed references. Kibana's own export ends with a summary
 * line (`exportedCount`, …) that import ignores; it is skipped here too.
 */
export const parseSavedObjects = (text: string, origin: string): Either.Either<ReadonlyArray<SavedObject>, SavedObjectsFileError> => {
  const objects: Array<SavedObject> = []
  const problems: Array<string> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === "") continue
    const where = `${origin}:${i + 1}`
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (e) {
      problems.push(`${where}: not JSON (${e instanceof Error ? e.message : String(e)})`)
      continue
    }
    if (isRecord(value) && "exportedCount" in value && !("type" in value)) continue
    if (!isRecord(value) || typeof value.id !== "string" || value.id === "" || typeof value.type !== "string" || value.type === "") {
      problems.push(`${where}: not a saved object (needs a string "id" and "type")`)
      continue
    }
    if (!isRecord(value.attributes)) {
      problems.push(`${where}: ${value.type} "${value.id}" has no "attributes" object`)
      continue
    }
    const references = value.references ?? []
    if (!Array.isArray(references) || !references.every(isReference)) {
      problems.push(`${where}: ${value.type} "${value.id}" has malformed "references" (each needs string id, name and type)`)
      continue
    }
    objects.push({ ...value, id: value.id, type: value.type, attributes: value.attributes, references })
  }
  if (problems.length > 0) return Either.left(new SavedObjectsFileError({ reason: "Decode", message: problems.join("\n") }))
  if (objects.length === 0) return Either.left(new SavedObjectsFileError({ reason: "Decode", message: `${origin}: no saved objects in the file` }))
  return Either.right(objects)
}

/** One object per line, as Kibana exports them. */
export const toNdjson = (objects: ReadonlyArray<SavedObject>): string => objects.map((o) => JSON.stringify(o)).join("\n") + "\n"

/**
 * The shipped data view matches `honeyhole-events-*`; an operator who configured another
 * `elasticsearch.index` gets a data view over *their* indices (same id, so every chart follows).
 */
export const withDataViewTitle = (objects: ReadonlyArray<SavedObject>, dataViewId: string, title: string): ReadonlyArray<SavedObject> =>
  objects.map((o) => (o.type === "index-pattern" && o.id === dataViewId ? { ...o, attributes: { ...o.attributes, title } } : o))

/** "1 index-pattern, 9 lens, 1 map, 1 dashboard" */
export const describeObjects = (objects: ReadonlyArray<{ readonly type: string }>): string => {
  const counts = new Map<string, number>()
  for (const o of objects) counts.set(o.type, (counts.get(o.type) ?? 0) + 1)
  return [...counts].map(([type, n]) => `${n} ${type}`).join(", ")
}
