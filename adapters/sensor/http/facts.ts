/**
 * Facts parsed from an HTTP request for its PayloadReceived event: method, path,
 * query, headers, user agent, host, body — each capped, since facts are stored
 * whole — and the indicators of obvious exploit payloads: shell commands and the
 * URLs and hosts they fetch from (`;wget http://…` in a query, Shellshock in a
 * User-Agent, `${jndi:ldap://…}` anywhere, a remote include `?page=http://…`).
 */
import { header } from "./message.js"
import type { HttpRequest } from "./message.js"

export const caps = { value: 512, headers: 32, body: 2048, list: 16, command: 256 } as const

const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s)

export interface Target {
  readonly path: string
  readonly query: string | null
  /** host of an absolute-form target (a proxy probe) */
  readonly proxyHost: string | null
}

/** Splits a request-target (RFC 9112 §3.2) into path and query. */
export const splitTarget = (target: string): Target => {
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)(.*)$/i.exec(target)
  const rest = absolute === null ? target : absolute[2] === "" ? "/" : absolute[2]!
  const q = rest.indexOf("?")
  const hash = rest.indexOf("#")
  const path = q >= 0 ? rest.slice(0, q) : hash >= 0 ? rest.slice(0, hash) : rest
  const query = q >= 0 ? rest.slice(q + 1, hash > q ? hash : undefined) : null
  return { path, query, proxyHost: absolute === null ? null : absolute[1]! }
}

/** Percent-decoding that never throws; `+` is a space in form data and queries. */
export const percentDecode = (s: string, plusIsSpace = true): string =>
  Buffer.from(
    (plusIsSpace ? s.replace(/\+/g, " ") : s).replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    "latin1"
  ).toString("utf8")

/** application/x-www-form-urlencoded fields, first value wins. */
export const decodeForm = (text: string): ReadonlyMap<string, string> => {
  const fields = new Map<string, string>()
  for (const pair of text.split("&")) {
    if (pair === "") continue
    const eq = pair.indexOf("=")
    const name = percentDecode(eq < 0 ? pair : pair.slice(0, eq))
    if (!fields.has(name)) fields.set(name, percentDecode(eq < 0 ? "" : pair.slice(eq + 1)))
  }
  return fields
}

/** `Authorization: Basic base64(user:password)` (RFC 7617). */
export const basicCredentials = (authorization: string | undefined): { username: string; password: string } | null => {
  const m = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(authorization ?? "")
  if (m === null) return null
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon < 0) return null
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

const verbs = /^(?:\S*\/)?(wget|curl|tftp|ftpget|busybox|chmod|sh|bash|ash|rm|cd|echo|nc|ncat|python3?|perl|php|powershell|cmd(?:\.exe)?|nohup|mkdir|cat|base64)(?=\s|$)/
const fetchers = new Set(["wget", "curl", "tftp", "ftpget", "busybox", "nc", "ncat", "powershell", "python", "python3", "perl", "sh", "bash"])
const urlPattern = /\b(?:https?|ftp|tftp|ldaps?|rmi|dns|iiop):\/\/[^\s'"<>`;|&()\\{}]+/gi
const hostOf = (url: string) => /^[a-z]+:\/\/(?:[^/@]*@)?([^/:?#]+)/i.exec(url)?.[1]?.toLowerCase() ?? null
const bareHost = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?(?:\/\S*)?$/

/** a fragment cut out of `sh -c "a; b"` ends in the quote that closed the whole script */
const unquoteEnd = (f: string) => (/["']$/.test(f) && f.split(f.at(-1)!).length % 2 === 0 ? f.slice(0, -1) : f)

export interface Indicators {
  readonly urls: ReadonlyArray<string>
  readonly hosts: ReadonlyArray<string>
  readonly commands: ReadonlyArray<string>
}

/** Commands, URLs and hosts in decoded attacker text; URLs pointing back at `ownHost` are ordinary links. */
export const indicators = (texts: ReadonlyArray<string>, ownHost: string | null): Indicators => {
  const urls = new Set<string>()
  const hosts = new Set<string>()
  const commands = new Set<string>()
  for (const raw of texts) {
    const text = raw.replace(/\$\{IFS\}|\$IFS\b/g, " ")
    const fragments = text.split(/[;|&`\n\r]|\$\(|\)/).map((f) => unquoteEnd(f.trim().replace(/^[^\w/.-]+/, "")))
    const found = fragments.filter((f) => verbs.test(f))
    if (found.some((f) => fetchers.has(verbs.exec(f)![1]!))) {
      for (const f of found) commands.add(cut(f, caps.command))
      for (const f of found) for (const word of f.split(/\s+/)) {
        const m = bareHost.exec(word)
        if (m !== null) hosts.add(m[1]!)
      }
    }
    for (const url of text.match(urlPattern) ?? []) {
      const host = hostOf(url)
      const inCommand = found.some((f) => f.includes(url))
      if (!inCommand && !/\$\{jndi:/i.test(text) && (host === null || host === ownHost)) continue
      urls.add(cut(url, caps.value))
      if (host !== null) hosts.add(host)
    }
  }
  const list = (s: Set<string>) => [...s].slice(0, caps.list)
  return { urls: list(urls), hosts: list(hosts), commands: list(commands) }
}

/** header fields whose values are routine and never carry a payload worth scanning */
const routine = new Set(["host", "referer", "origin", "accept", "accept-encoding", "accept-language", "content-type", "content-length", "connection", "cache-control"])

export const requestFacts = (request: HttpRequest): Record<string, unknown> => {
  const target = splitTarget(request.target)
  const host = header(request.headers, "host") ?? target.proxyHost
  const headers: Record<string, string> = {}
  let kept = 0
  for (const [name, value] of request.headers) {
    const key = name.toLowerCase()
    if (headers[key] !== undefined) headers[key] = cut(`${headers[key]}, ${value}`, caps.value)
    else if (kept++ < caps.headers) headers[key] = cut(value, caps.value)
  }
  const body = request.body.toString("utf8")
  const scanned = [
    percentDecode(percentDecode(target.path, false), false),
    ...(target.query === null ? [] : [percentDecode(percentDecode(target.query))]),
    ...(request.bodyLength > 0 ? [body, percentDecode(body)] : []),
    ...request.headers.filter(([n]) => !routine.has(n.toLowerCase())).map(([, v]) => v)
  ]
  const found = indicators(scanned, host?.replace(/:\d+$/, "").toLowerCase() ?? null)
  return {
    method: request.method,
    path: cut(target.path, caps.value * 4),
    query: target.query === null ? null : cut(target.query, caps.value * 4),
    version: request.version,
    headers,
    userAgent: headers["user-agent"] ?? null,
    host: host === null ? null : cut(host, caps.value),
    ...(target.proxyHost === null ? {} : { proxy: true }),
    ...(request.bodyLength > 0 ? { body: cut(body, caps.body), bodyLength: request.bodyLength, bodyTruncated: request.bodyLength > caps.body } : {}),
    ...(found.urls.length > 0 ? { urls: found.urls } : {}),
    ...(found.hosts.length > 0 ? { hosts: found.hosts } : {}),
    ...(found.commands.length > 0 ? { commands: found.commands } : {})
  }
}
