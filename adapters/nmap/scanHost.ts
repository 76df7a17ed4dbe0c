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

/** The elements toNmapHost reads, by depth (0 = host) and parent: only these get strings and objects. */
const kept = (depth: number, parent: string | undefined, name: string): boolean =>
  depth === 0 ||
  (depth === 1 && (name === "address" || name === "status" || name === "hostnames" || name === "ports")) ||
  (depth === 2 && ((parent === "hostnames" && name === "hostname") || (parent === "ports" && name === "port"))) ||
  (depth === 3 && parent === "port" && (name === "state" || name === "service"))

/** s[a, a + length) === s[b, b + length) */
const sameRange = (s: string, a: number, b: number, length: number): boolean => {
  for (let k = 0; k < length; k++) if (s.charCodeAt(a + k) !== s.charCodeAt(b + k)) return false
  return true
}

/**
 * The `host` node as fast-xml-parser would build it (only the parts toNmapHost reads), or null: use the full parser.
 *
 * Every element is checked the same way, but names and attribute values become strings
 * only for the elements toNmapHost reads (depth ≤ 3): a `-sV -sC` host is mostly NSE
 * script tables, and making strings and objects for their ≈ 100 tags per host was most
 * of the scan's time and garbage. Open elements are kept as offsets into `s`.
 */
export const scanHostElement = (s: string): Record<string, unknown> | null => {
  const n = s.length
  // the open elements: where each name starts in s, its length, and the name itself down to depth 3
  const openAt: Array<number> = []
  const openLength: Array<number> = []
  const openName: Array<string | undefined> = []
  const host: Record<string, unknown> = {}
  const addresses: Array<Attrs> = []
  const hostnames: Array<Attrs> = []
  const ports: Array<Record<string, unknown>> = []
  let port: Record<string, unknown> | null = null
  const seen = new Set<string>() // singletons: a repeat becomes an array in fast-xml-parser
  // attribute names of the current element, as offsets, for the repeated-attribute check
  const attrAt: Array<number> = []
  const attrLength: Array<number> = []
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
  // the next '<' at or after a position, likewise: attribute values may not contain one
  let nextLt = s.indexOf("<")
  const ltBefore = (from: number, to: number): boolean => {
    if (nextLt >= 0 && nextLt < from) nextLt = s.indexOf("<", from)
    return nextLt >= 0 && nextLt < to
  }
  let i = 0
  for (;;) {
    const lt = s.indexOf("<", i)
    if (lt < 0) return null // unclosed (the caller sliced up to the first </host>)
    if (lt > i) {
      if (openAt.length === 0) return null // text outside the root
      if (!referencesOk(i, lt)) return null
    }
    let j = lt + 1
    const first = s.charCodeAt(j)
    if (first === 47) {
      // closing tag
      j++
      const start = j
      while (j < n && isNameChar(s.charCodeAt(j))) j++
      const length = j - start
      while (j < n && isSpace(s.charCodeAt(j))) j++
      const top = openAt.length - 1
      if (s.charCodeAt(j) !== 62 || top < 0 || openLength[top] !== length || !sameRange(s, openAt[top]!, start, length)) return null
      const name = openName[top]
      openAt.pop()
      openLength.pop()
      openName.pop()
      if (top === 2 && name === "port") port = null
      i = j + 1
      if (openAt.length === 0) break
      continue
    }
    if (!isNameStart(first)) return null // comments, CDATA, PIs, DOCTYPE, garbage
    const nameAt = j
    while (j < n && isNameChar(s.charCodeAt(j))) j++
    const nameLength = j - nameAt
    const depth = openAt.length // 0 = host itself
    const name = depth <= 3 ? s.slice(nameAt, j) : undefined
    if (depth === 0 && name !== "host") return null
    const parent = depth === 0 ? undefined : openName[depth - 1]
    const keep = name !== undefined && kept(depth, parent, name)
    const attrs: Attrs | null = keep ? {} : null
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
      const attrStart = j
      while (j < n && isNameChar(s.charCodeAt(j))) j++
      const attrEnd = j
      const quote = s.charCodeAt(j + 1)
      if (s.charCodeAt(j) !== 61 || (quote !== 34 && quote !== 39)) return null
      const close = s.indexOf(quote === 34 ? '"' : "'", j + 2)
      if (close < 0) return null
      if (ltBefore(j + 2, close) || !referencesOk(j + 2, close)) return null
      const length = attrEnd - attrStart
      for (let k = 0; k < count; k++) if (attrLength[k] === length && sameRange(s, attrAt[k]!, attrStart, length)) return null
      attrAt[count] = attrStart
      attrLength[count] = length
      if (attrs !== null) {
        const attr = s.slice(attrStart, attrEnd)
        if (attr === "__proto__") return null
        // trimmed as the full parser does; nmap never pads, so most values need no second string
        const from = j + 2
        attrs[attr] = close > from && (isSpace(s.charCodeAt(from)) || isSpace(s.charCodeAt(close - 1))) ? s.slice(from, close).trim() : s.slice(from, close)
      }
      count++
      j = close + 1
    }
    if (j >= n) return null
    i = j + 1
    if (attrs !== null) {
      const keys = childKeys[name!]
      if (keys !== undefined && keys.some((k) => Object.hasOwn(attrs, k))) return null
      if (depth === 1) {
        if (name === "address") addresses.push(attrs)
        else {
          if (seen.has(name!)) return null
          seen.add(name!)
          if (name === "status") {
            if (count === 0) return null
            host["status"] = attrs
          }
        }
      } else if (depth === 2 && name === "hostname") hostnames.push(attrs)
      else if (depth === 2) {
        if (count === 0) return null
        port = attrs
        ports.push(port)
      } else if (depth === 3 && port !== null) {
        if (Object.hasOwn(port, name!) || count === 0) return null
        port[name!] = attrs
      }
    }
    if (!selfClosing) {
      if (openAt.length >= maxDepth) return null
      openAt.push(nameAt)
      openLength.push(nameLength)
      openName.push(name)
    }
  }
  if (i !== n) return null
  if (addresses.length > 0) host["address"] = addresses
  if (hostnames.length > 0) host["hostnames"] = { hostname: hostnames }
  if (ports.length > 0) host["ports"] = { port: ports }
  return host
}
