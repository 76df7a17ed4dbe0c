/**
 * The ECS fields a payload's parsed facts give (adapters/sensor/plugins/*): payload
 * events carry no plugin name, so each protocol is recognised by the facts it alone
 * writes — SIP `requestUri`/`callId`, HTTP `method`+`path`+`version`, DNS `qname`, the
 * fake shell's `phase` (telnet) or `channel` (ssh), ssh's `clientVersion`. SMTP also
 * writes `commands` but they are SMTP verbs, not shell commands: they stay in facts.
 * When one chunk held several messages (`messages`, `queries`, `pipelined`), the first
 * one fills the single-valued fields; every one stays in `honeyhole.facts`.
 */

type Json = Readonly<Record<string, unknown>>

export interface FactFields {
  httpMethod?: string
  urlOriginal?: string
  urlPath?: string
  userAgent?: string
  dnsName?: string
  dnsType?: string
  sipMethod?: string
  sipDialled?: string
  sipUserAgent?: string
  commands?: Array<string>
  urls?: Array<string>
  httpStatus?: number
}

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)
const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined)
const strings = (value: unknown): Array<string> | undefined => {
  if (!Array.isArray(value)) return undefined
  const out = value.filter((v): v is string => typeof v === "string" && v !== "")
  return out.length > 0 ? out : undefined
}

/** the message whose facts fill single-valued fields: the facts themselves or the first of a batch */
const primary = (facts: Json): Json => {
  for (const key of ["messages", "queries"]) {
    const list = facts[key]
    if (Array.isArray(list) && isObject(list[0])) return list[0]
  }
  return facts
}

export const factFields = (facts: Json): FactFields => {
  const out: FactFields = {}
  const f = primary(facts)
  if (f["requestUri"] !== undefined || f["callId"] !== undefined || f["cseq"] !== undefined) {
    const method = str(f["method"])
    const dialled = str(f["dialled"])
    const ua = str(f["userAgent"])
    if (method !== undefined) out.sipMethod = method
    if (dialled !== undefined) out.sipDialled = dialled
    if (ua !== undefined) out.sipUserAgent = out.userAgent = ua
    return out
  }
  const http = typeof f["method"] === "string" && typeof f["path"] === "string" && typeof f["version"] === "string"
  if (http) {
    out.httpMethod = f["method"] as string
    const path = f["path"] as string
    const query = str(f["query"])
    if (path !== "") out.urlPath = path
    out.urlOriginal = query === undefined ? path : `${path}?${query}`
    const ua = str(f["userAgent"])
    if (ua !== undefined) out.userAgent = ua
    if (typeof f["status"] === "number") out.httpStatus = f["status"]
  }
  const qname = str(f["qname"])
  if (qname !== undefined) {
    out.dnsName = qname
    const qtype = str(f["qtype"])
    if (qtype !== undefined) out.dnsType = qtype
  }
  const clientVersion = str(f["clientVersion"])
  if (clientVersion !== undefined) out.userAgent = clientVersion
  // shell commands: the fake shell's lines (telnet `phase`, ssh `channel`) and exploit commands HTTP found
  if (http || f["phase"] !== undefined || f["channel"] !== undefined) {
    const commands = strings(facts["commands"])
    if (commands !== undefined) out.commands = commands
  }
  const urls = strings(facts["urls"])
  if (urls !== undefined) out.urls = urls
  return out
}

/**
 * Facts without nulls (a document has no null fields); the same object back when it
 * has none, which is the common case, so most events cost no copy.
 */
export const withoutNulls = (value: unknown): unknown => {
  if (Array.isArray(value)) {
    let copy: Array<unknown> | null = null
    for (let i = 0; i < value.length; i++) {
      const item = value[i]
      const cleaned = item === null ? undefined : withoutNulls(item)
      if (cleaned !== item && copy === null) copy = value.slice(0, i)
      if (copy !== null && cleaned !== undefined) copy.push(cleaned)
    }
    return copy ?? value
  }
  if (!isObject(value)) return value
  let copy: Record<string, unknown> | null = null
  for (const key in value) {
    const item = value[key]
    const cleaned = item === null ? undefined : withoutNulls(item)
    if (cleaned !== item && copy === null) {
      copy = {}
      for (const earlier in value) {
        if (earlier === key) break
        copy[earlier] = value[earlier]
      }
    }
    if (copy !== null && cleaned !== undefined) copy[key] = cleaned
  }
  return copy ?? value
}
