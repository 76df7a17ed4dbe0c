/**
 * The fast path for one `<host>…</host>` element: a single left-to-right scan that checks
 * the markup nmap writes (balanced tags, quoted attributes, well-formed references) and
 * picks out the few elements a HostScanned needs, in the shape fast-xml-parser would give
 * them, so `toNmapHost` maps both paths alike.
 *
 * XMLValidator + XMLParser cost ≈ 0.42 ms per host of a `-sV -sC` scan (SSH host keys,
 * certificates, ≈ 4 KB); this scan ≈ 0.04 ms (bench/RESULTS.md). It answers null for anything it is not sure of —
 * comments, CDATA, processing instructions, odd names, a stray `&`, repeated or
 * attribute-less elements whose fast-xml-parser shape differs, deep nesting, any error —
 * and the caller then runs the full validator and parser on that element, which gives
 * the exact result or the exact error with its line. So it can only be faster, never
 * more lenient.
 */

type Attrs = Record<string, string>

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13
/** [A-Za-z_] first, then [A-Za-z0-9_.:-] */
const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95
const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 58) || c === 45 || c === 46

const reference = /&(?:#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);/y
/** elements whose attribute names must not collide with a child we read (fast-xml-parser merges both into one key) */
const childKeys: Record<string, ReadonlyArray<string>> = {
  host: ["status", "address", "hostnames", "ports"],
  hostnames: ["hostname"],
  ports: ["port"],
  port: ["state", "service"]
}

const maxDepth = 60 // below the full parser's maxNestedTags, so deep input takes the full path and its error

/** The `host` node as fast-xml-parser would build it (only the parts toNmapHost reads), or null: use the full parser. */
export const scanHostElement = (s: string): Record<string, unknown> | null => {
  const n = s.length
  const stack: Array<string> = []
  const host: Record<string, unknown> = {}
  const addresses: Array<Attrs> = []
  const hostnames: Array<Attrs> = []
  const ports: Array<Record<string, unknown>> = []
  let port: Record<string, unknown> | null = null
  const seen = new Set<string>() // singletons: a repeat becomes an array in fast-xml-parser
  // the next '&' at or after a position, found once: searching from every text run and
  // attribute value would rescan the rest of the element each time
  let amp = s.indexOf("&")
  /** every `&` in s[from, to) starts a character or entity reference */
  const referencesOk = (from: number, to: number): boolean => {
    if (amp >= 0 && amp < from) amp = s.indexOf("&", from)
    while (amp >= 0 && amp < to) {
      reference.lastIndex = amp
      if (!reference.test(s) || reference.lastIndex > to) return false
      amp = s.indexOf("&", amp + 1)
    }
    return true
  }
  let i = 0
  for (;;) {
    const lt = s.indexOf("<", i)
    if (lt < 0) return null // unclosed (the caller sliced up to the first </host>)
    if (lt > i) {
      if (stack.length === 0) return null // text outside the root
      if (!referencesOk(i, lt)) return null
    }
    let j = lt + 1
    const first = s.charCodeAt(j)
    if (first === 47) {
      // closing tag
      j++
      const start = j
      while (j < n && isNameChar(s.charCodeAt(j))) j++
      const name = s.slice(start, j)
      while (j < n && isSpace(s.charCodeAt(j))) j++
      if (s.charCodeAt(j) !== 62 || stack.pop() !== name) return null
      if (name === "port" && stack.length === 2) port = null
      i = j + 1
      if (stack.length === 0) break
      continue
    }
    if (!isNameStart(first)) return null // comments, CDATA, PIs, DOCTYPE, garbage
    const start = j
    while (j < n && isNameChar(s.charCodeAt(j))) j++
    const name = s.slice(start, j)
    if (stack.length === 0 && name !== "host") return null
    const attrs: Attrs = {}
    let count = 0
    let selfClosing = false
    for (;;) {
      const c = s.charCodeAt(j)
      if (c === 62) break
      if (c === 47) {
        if (s.charCodeAt(j + 1) !== 62) return null
        selfClosing = true
        j++
        break
      }
      if (!isSpace(c)) return null
      while (j < n && isSpace(s.charCodeAt(j))) j++
      const a = s.charCodeAt(j)
      if (a === 62 || a === 47) continue
      if (!isNameStart(a)) return null
      const nameStart = j
      while (j < n && isNameChar(s.charCodeAt(j))) j++
      const attr = s.slice(nameStart, j)
      const quote = s.charCodeAt(j + 1)
      if (s.charCodeAt(j) !== 61 || (quote !== 34 && quote !== 39)) return null
      const close = s.indexOf(quote === 34 ? '"' : "'", j + 2)
      if (close < 0) return null
      const value = s.slice(j + 2, close)
      if (value.includes("<") || !referencesOk(j + 2, close)) return null
      if (Object.hasOwn(attrs, attr) || attr === "__proto__") return null
      attrs[attr] = value.trim()
      count++
      j = close + 1
    }
    if (j >= n) return null
    i = j + 1
    const depth = stack.length // 0 = host itself
    const parent = stack[depth - 1]
    const keys = childKeys[name]
    if (keys !== undefined && keys.some((k) => Object.hasOwn(attrs, k))) return null
    if (depth === 0) {
      // the host's own attributes are not read
    } else if (depth === 1) {
      if (name === "address") addresses.push(attrs)
      else if (name === "status" || name === "hostnames" || name === "ports") {
        if (seen.has(name)) return null
        seen.add(name)
        if (name === "status") {
          if (count === 0) return null
          host["status"] = attrs
        }
      }
    } else if (depth === 2 && parent === "hostnames" && name === "hostname") hostnames.push(attrs)
    else if (depth === 2 && parent === "ports" && name === "port") {
      if (count === 0) return null
      port = attrs
      ports.push(port)
    } else if (depth === 3 && parent === "port" && port !== null && (name === "state" || name === "service")) {
      if (Object.hasOwn(port, name) || count === 0) return null
      port[name] = attrs
    }
    if (!selfClosing) {
      if (stack.length >= maxDepth) return null
      stack.push(name)
    }
  }
  if (i !== n) return null
  if (addresses.length > 0) host["address"] = addresses
  if (hostnames.length > 0) host["hostnames"] = { hostname: hostnames }
  if (ports.length > 0) host["ports"] = { port: ports }
  return host
}
