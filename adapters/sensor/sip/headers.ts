/**
 * SIP header values (RFC 3261 §7.3, §20, §25): compact names, comma lists, name-addr
 * (`"Alice" <sip:alice@host>;tag=1`), URIs and Via. Pure string functions; nothing here
 * trusts the input — every parser returns null rather than throwing.
 */

/** RFC 3261 §7.3.3 compact forms (and RFC 3515/3903/6665 ones attackers' tools use). */
const compact: Readonly<Record<string, string>> = {
  i: "call-id",
  m: "contact",
  e: "content-encoding",
  l: "content-length",
  c: "content-type",
  f: "from",
  s: "subject",
  k: "supported",
  t: "to",
  v: "via",
  o: "event",
  r: "refer-to",
  u: "allow-events"
}

/** the lower-case long name of a header, compact forms expanded */
export const canonicalName = (name: string): string => {
  const lower = name.trim().toLowerCase()
  return compact[lower] ?? lower
}

/** Splits a header value at commas that are outside quotes and angle brackets (§7.3.1). */
export const splitList = (value: string): Array<string> => {
  const out: Array<string> = []
  let quoted = false
  let angle = false
  let start = 0
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]
    if (ch === "\\" && quoted) i++
    else if (ch === '"') quoted = !quoted
    else if (!quoted && ch === "<") angle = true
    else if (!quoted && ch === ">") angle = false
    else if (!quoted && !angle && ch === ",") {
      out.push(value.slice(start, i).trim())
      start = i + 1
    }
  }
  out.push(value.slice(start).trim())
  return out.filter((s) => s.length > 0)
}

export type Params = ReadonlyArray<readonly [string, string | null]>

/** `;a=1;b;c="x"` → [["a","1"],["b",null],["c","\"x\""]] (values kept raw) */
export const parseParams = (text: string): Params =>
  text
    .split(";")
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => {
      const eq = p.indexOf("=")
      return eq < 0 ? ([p, null] as const) : ([p.slice(0, eq).trim(), p.slice(eq + 1).trim()] as const)
    })

export const formatParams = (params: Params): string => params.map(([k, v]) => (v === null ? `;${k}` : `;${k}=${v}`)).join("")

export const param = (params: Params, name: string): string | null | undefined => {
  const found = params.find(([k]) => k.toLowerCase() === name)
  return found === undefined ? undefined : found[1]
}

export interface NameAddr {
  readonly display: string
  readonly uri: string
  readonly params: Params
}

/**
 * From/To/Contact (§20.10, §20.20, §20.39): either `display <uri>;params` or a bare
 * URI whose `;params` belong to the header, not the URI (§20.10).
 */
export const parseNameAddr = (value: string): NameAddr | null => {
  const v = value.trim()
  const lt = v.indexOf("<")
  if (lt >= 0) {
    const gt = v.indexOf(">", lt)
    if (gt < 0) return null
    const display = v.slice(0, lt).trim().replace(/^"(.*)"$/, "$1")
    return { display, uri: v.slice(lt + 1, gt).trim(), params: parseParams(v.slice(gt + 1)) }
  }
  if (v === "*") return { display: "", uri: "*", params: [] }
  const semi = v.indexOf(";")
  const uri = semi < 0 ? v : v.slice(0, semi)
  if (!/^[a-z][a-z0-9+.-]*:/i.test(uri)) return null
  return { display: "", uri: uri.trim(), params: parseParams(semi < 0 ? "" : v.slice(semi)) }
}

/** Adds `;name=value` to a From/To value unless it already has that parameter. */
export const withHeaderParam = (value: string, name: string, paramValue: string): string => {
  const addr = parseNameAddr(value)
  if (addr !== null && param(addr.params, name) !== undefined) return value
  return `${value.trim()};${name}=${paramValue}`
}

export interface SipUri {
  readonly scheme: string
  readonly user: string | null
  readonly host: string
  readonly port: number | null
}

/** `sip:user:pw@host:port;params?headers`, `sips:`, `tel:+34…` (user only). */
export const parseUri = (uri: string): SipUri | null => {
  const m = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(uri.trim())
  if (m === null) return null
  const scheme = m[1]!.toLowerCase()
  const rest = m[2]!
  if (scheme === "tel") {
    const number = rest.split(";")[0] ?? ""
    return { scheme, user: number, host: "", port: null }
  }
  const at = rest.lastIndexOf("@")
  const userinfo = at < 0 ? null : rest.slice(0, at)
  const hostport = (at < 0 ? rest : rest.slice(at + 1)).split(/[;?]/)[0] ?? ""
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hostport)
  if (hp === null) return null
  const user = userinfo === null ? null : decodePercent(userinfo.split(":")[0] ?? "")
  return { scheme, user, host: hp[1]!, port: hp[2] === undefined ? null : Number(hp[2]) }
}

const decodePercent = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/** user part of a name-addr's URI (From/To), or null */
export const addrUser = (value: string | undefined): string | null => {
  if (value === undefined) return null
  const addr = parseNameAddr(value)
  return addr === null ? null : (parseUri(addr.uri)?.user ?? null)
}

export interface Via {
  /** "SIP/2.0/UDP" */
  readonly protocol: string
  readonly host: string
  readonly port: number | null
  readonly params: Params
}

/** One via-parm (§20.42): `SIP/2.0/UDP host:port;branch=…;rport` */
export const parseVia = (value: string): Via | null => {
  const m = /^(SIP\s*\/\s*[^\s/]+\s*\/\s*[A-Za-z0-9-]+)\s+([^;\s]+)\s*(;.*)?$/i.exec(value.trim())
  if (m === null) return null
  const hp = /^(\[[^\]]*\]|[^:]+)(?::(\d+))?$/.exec(m[2]!)
  if (hp === null) return null
  return { protocol: m[1]!.replace(/\s+/g, ""), host: hp[1]!, port: hp[2] === undefined ? null : Number(hp[2]), params: parseParams(m[3] ?? "") }
}

export const formatVia = (via: Via): string =>
  `${via.protocol} ${via.host}${via.port === null ? "" : `:${via.port}`}${formatParams(via.params)}`

/**
 * What a server writes back into the topmost Via (RFC 3261 §18.2.1, RFC 3581 §4):
 * `received` when the packet came from elsewhere than sent-by, or always when the
 * client asked for `rport`, and then `rport` filled with the source port.
 */
export const stampVia = (via: Via, source: { readonly ip: string; readonly port: number }): Via => {
  const wantsRport = param(via.params, "rport") !== undefined
  const sentBy = via.host.replace(/^\[(.*)\]$/, "$1")
  const needsReceived = wantsRport || sentBy !== source.ip
  const params: Array<readonly [string, string | null]> = []
  for (const [k, v] of via.params) {
    const key = k.toLowerCase()
    if (key === "received") continue
    if (key === "rport" && wantsRport) params.push([k, String(source.port)])
    else params.push([k, v])
  }
  if (needsReceived) params.push(["received", source.ip])
  return { ...via, params }
}
