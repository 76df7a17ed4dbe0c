/**
 * A streaming nmap XML reader: the file is read in chunks and cut into top-level
 * elements; each `<host>…</host>` is validated and parsed on its own — by a one-pass
 * scan of nmap's own markup (scanHost.ts), or by XMLValidator + fast-xml-parser when
 * anything in it is unusual — so memory is bounded by the largest host, not the report
 * (a /16 report is hundreds of MB).
 *
 * Hostile input: a DOCTYPE internal subset (the carrier of entity-expansion attacks) is refused, entity
 * references are never expanded (processEntities: false), and elements, the header and
 * attribute values are capped. A fault fails the read with its line and character
 * offset; the hosts before it have already been delivered and stay valid.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser"
import { createReadStream } from "node:fs"
import { StringDecoder } from "node:string_decoder"
import { createGunzip } from "node:zlib"
import { toNmapHost, toScanInfo } from "./host.js"
import { scanHostElement } from "./scanHost.js"
import type { NmapHost, ScanInfo } from "./host.js"

export interface NmapLimits {
  /** the largest `<host>` element accepted (characters) */
  readonly maxHostChars: number
  /** the prolog + `<nmaprun …>` start tag, and any other single top-level tag */
  readonly maxHeaderChars: number
  readonly maxAttributeChars: number
}

export const defaultLimits: NmapLimits = { maxHostChars: 16 * 1024 * 1024, maxHeaderChars: 1024 * 1024, maxAttributeChars: 64 * 1024 }

export class NmapReadError extends Error {
  readonly _tag = "NmapReadError"
  constructor(
    readonly reason: "Open" | "Read" | "Decode" | "Truncated" | "Limit",
    readonly detail: string,
    /** 1-based line and 0-based character offset of the fault */
    readonly line: number,
    readonly offset: number
  ) {
    super(`${detail} (line ${line}, offset ${offset})`)
  }
}

export interface NmapRun {
  readonly args: string | null
  readonly version: string | null
  readonly start: number | null
  readonly scanInfo: ReadonlyArray<ScanInfo>
}

export type NmapItem =
  | { readonly _tag: "Run"; readonly run: NmapRun }
  | { readonly _tag: "ScanInfo"; readonly info: ScanInfo }
  | { readonly _tag: "Host"; readonly host: NmapHost; readonly line: number }

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  processEntities: false,
  htmlEntities: false,
  parseAttributeValue: false,
  parseTagValue: false,
  ignoreDeclaration: true,
  maxNestedTags: 64, // NSE script output nests <table>s; far below anything hostile
  isArray: (name) => name === "port" || name === "address" || name === "hostname"
})

/**
 * One `<host>` element through the validator and the full parser, no fast path: what
 * `readNmap` falls back to, exported so tests can hold the fast scan to it.
 */
export const parseHostElementFully = (element: string): NmapHost | string => {
  const valid = XMLValidator.validate(element)
  if (valid !== true) return `malformed XML: ${valid.err.msg}`
  const parsed: unknown = parser.parse(element)
  return toNmapHost(typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>)["host"] : undefined)
}

const countLines = (text: string, from: number, to: number): number => {
  let n = 0
  for (let i = text.indexOf("\n", from); i >= 0 && i < to; i = text.indexOf("\n", i + 1)) n++
  return n
}

/** Opens a report as text chunks; `.gz` (by name or by magic bytes) through zlib. */
export const openReport = async function* (file: string): AsyncGenerator<string> {
  const head = await new Promise<Buffer>((resolve, reject) => {
    const s = createReadStream(file, { start: 0, end: 1 })
    const parts: Array<Buffer> = []
    s.on("data", (b) => parts.push(Buffer.isBuffer(b) ? b : Buffer.from(b)))
    s.on("end", () => resolve(Buffer.concat(parts)))
    s.on("error", reject)
  }).catch((e: unknown) => {
    throw new NmapReadError("Open", `cannot open ${file}: ${e instanceof Error ? e.message : String(e)}`, 1, 0)
  })
  const gzipped = file.endsWith(".gz") || (head[0] === 0x1f && head[1] === 0x8b)
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 })
  const source = gzipped ? raw.pipe(createGunzip()) : raw
  raw.on("error", (e) => source.destroy(e))
  const decoder = new StringDecoder("utf8")
  for await (const chunk of source) yield decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  const rest = decoder.end()
  if (rest !== "") yield rest
}

const tagName = /<(\/?)([A-Za-z_][\w.:-]*)/y

/** Cuts text chunks into nmap items. Throws NmapReadError (after the good hosts). */
export const readNmap = async function* (chunks: AsyncIterable<string>, limits: NmapLimits = defaultLimits): AsyncGenerator<NmapItem> {
  let buf = ""
  let bufOffset = 0 // absolute offset of buf[0]
  let bufLine = 1 // line number at buf[0]
  let pos = 0
  let phase: "prolog" | "body" | "done" = "prolog"
  // lines are counted incrementally from a cursor, so locating each host stays linear
  let cursor = 0
  let cursorLine = 1
  const where = (i: number) => {
    if (i < cursor) return { line: bufLine + countLines(buf, 0, i), offset: bufOffset + i }
    cursorLine += countLines(buf, cursor, i)
    cursor = i
    return { line: cursorLine, offset: bufOffset + i }
  }
  const isDone = () => phase === "done"
  const fail = (reason: NmapReadError["reason"], detail: string, i: number): never => {
    const w = where(i)
    throw new NmapReadError(reason, detail, w.line, w.offset)
  }
  const hugeAttribute = new RegExp(`"[^"]{${limits.maxAttributeChars},}"|'[^']{${limits.maxAttributeChars},}'`)
  // a quoted run of maxAttributeChars needs at least that many characters: most elements skip the scan
  const hasHugeAttribute = (element: string) => element.length >= limits.maxAttributeChars && hugeAttribute.test(element)
  const parseElement = (element: string, at: number): Record<string, unknown> => {
    if (hasHugeAttribute(element)) fail("Limit", `an attribute value is longer than ${limits.maxAttributeChars} characters`, at)
    const valid = XMLValidator.validate(element)
    if (valid !== true) {
      const base = where(at)
      throw new NmapReadError("Decode", `malformed XML: ${valid.err.msg}`, base.line + valid.err.line - 1, base.offset)
    }
    const parsed: unknown = parser.parse(element)
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {}
  }

  const step = function* (final: boolean): Generator<NmapItem, boolean> {
    // returns false when more input is needed
    if (phase === "prolog") {
      const start = buf.indexOf("<nmaprun", pos)
      const prolog = buf.slice(0, start < 0 ? buf.length : start)
      // nmap itself writes `<!DOCTYPE nmaprun>`; only an internal subset can declare entities
      const doctype = prolog.search(/<!ENTITY|<!DOCTYPE[^>[]*\[/i)
      if (doctype >= 0) fail("Decode", "DOCTYPE/ENTITY declarations are refused (entity expansion)", doctype)
      if (start < 0) {
        if (buf.length > limits.maxHeaderChars) fail("Limit", `no <nmaprun> element in the first ${limits.maxHeaderChars} characters`, 0)
        if (final) fail(buf.trim() === "" ? "Truncated" : "Decode", buf.trim() === "" ? "empty report" : "not an nmap XML report (no <nmaprun>)", buf.length)
        return false
      }
      const end = buf.indexOf(">", start)
      if (end < 0) {
        if (buf.length - start > limits.maxHeaderChars) fail("Limit", "the <nmaprun> start tag is too large", start)
        if (final) fail("Truncated", "input ended inside the <nmaprun> start tag", buf.length)
        return false
      }
      const tag = buf.slice(start, end + 1)
      const run = parseElement(tag.endsWith("/>") ? tag : `${tag.slice(0, -1)}/>`, start)["nmaprun"]
      const attrs = typeof run === "object" && run !== null ? (run as Record<string, unknown>) : {}
      const str = (k: string) => (typeof attrs[k] === "string" ? attrs[k] : null)
      yield { _tag: "Run", run: { args: str("args"), version: str("version"), start: str("start") === null ? null : Number(str("start")), scanInfo: [] } }
      phase = "body"
      pos = end + 1
      return true
    }
    const lt = buf.indexOf("<", pos)
    if (lt < 0) {
      pos = buf.length
      if (final) fail("Truncated", "input ended before </nmaprun>", buf.length)
      return false
    }
    pos = lt
    if (buf.startsWith("<!--", lt)) {
      const close = buf.indexOf("-->", lt + 4)
      if (close < 0) return final ? fail("Truncated", "input ended inside a comment", buf.length) : false
      pos = close + 3
      return true
    }
    if (buf.startsWith("<!", lt)) fail("Decode", "DOCTYPE/ENTITY/CDATA markup is refused in an nmap report", lt)
    tagName.lastIndex = lt
    const m = tagName.exec(buf)
    if (m === null) {
      if (buf.length - lt < 64 && !final) return false
      return fail(final && buf.length - lt < 64 ? "Truncated" : "Decode", "malformed XML: '<' not followed by a tag name", lt)
    }
    const closing = m[1] === "/"
    const name = m[2]!
    const after = buf[lt + m[0].length]
    if (after === undefined) return final ? fail("Truncated", `input ended inside <${m[1]}${name}`, buf.length) : false
    if (closing && name === "nmaprun") {
      phase = "done"
      return true
    }
    if (!closing && name === "host" && (after === " " || after === ">" || after === "\n" || after === "\t" || after === "\r")) {
      const close = buf.indexOf("</host>", lt)
      if ((close < 0 ? buf.length : close + 7) - lt > limits.maxHostChars) {
        fail("Limit", `a <host> element is larger than ${limits.maxHostChars} characters`, lt)
      }
      if (close < 0) return final ? fail("Truncated", "input ended inside the <host> element starting here", lt) : false
      const element = buf.slice(lt, close + 7)
      if (hasHugeAttribute(element)) fail("Limit", `an attribute value is longer than ${limits.maxAttributeChars} characters`, lt)
      // plain nmap output takes the fast scan; anything else gets the full validator and parser
      const host = toNmapHost(scanHostElement(element) ?? parseElement(element, lt)["host"])
      if (typeof host === "string") fail("Decode", host, lt)
      else yield { _tag: "Host", host, line: where(lt).line }
      pos = close + 7
      return true
    }
    const gt = buf.indexOf(">", lt)
    if (gt < 0) {
      if (buf.length - lt > limits.maxHeaderChars) fail("Limit", `a <${name}> tag is too large`, lt)
      return final ? fail("Truncated", `input ended inside <${m[1]}${name}>`, buf.length) : false
    }
    if (!closing && name === "scaninfo") {
      const tag = buf.slice(lt, gt + 1)
      const info = toScanInfo(parseElement(tag.endsWith("/>") ? tag : `${tag.slice(0, -1)}/>`, lt)["scaninfo"])
      if (info !== null) yield { _tag: "ScanInfo", info }
    }
    pos = gt + 1
    return true
  }

  const drain = function* (final: boolean): Generator<NmapItem> {
    while (!isDone() && (yield* step(final))) {
      // discard consumed text so memory stays bounded
      if (pos > 64 * 1024) {
        where(pos)
        bufLine = cursorLine
        cursor = 0
        bufOffset += pos
        buf = buf.slice(pos)
        pos = 0
      }
    }
  }

  try {
    for await (const chunk of chunks) {
      buf += chunk
      yield* drain(false)
      if (isDone()) return
    }
  } catch (e) {
    if (e instanceof NmapReadError) throw e
    const w = where(buf.length)
    throw new NmapReadError("Read", `cannot read the report: ${e instanceof Error ? e.message : String(e)}`, w.line, w.offset)
  }
  yield* drain(true)
  if (!isDone()) fail("Truncated", "input ended before </nmaprun>", buf.length)
}
