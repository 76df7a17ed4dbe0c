/**
 * Differential fuzzing of the nmap reader's fast host scan (adapters/nmap/scanHost.ts)
 * against fast-xml-parser's validator + parser: real-looking `<host>` elements from the
 * /16 benchmark's generator, mutated where XML is fragile (markup characters, references,
 * repeated attributes, mismatched or missing tags, truncation). The fast scan may decline
 * (null: the full parser then decides) but whenever it answers, its host must be exactly
 * the full parser's — and it must never accept what the full parser rejects.
 *
 * Used by test/exposure/host-scan-fuzz.test.ts (a few thousand cases) and by
 * `npm run fuzz` (many more, until a time budget runs out).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { isDeepStrictEqual } from "node:util"
import { toNmapHost } from "../../adapters/nmap/host.js"
import { parseHostElementFully } from "../../adapters/nmap/reader.js"
import { scanHostElement } from "../../adapters/nmap/scanHost.js"
import { writeSynthPair } from "../../bench/support/nmapSynth.js"
import { prng } from "../support/prng.js"

/** The `<host>` elements of a small synthetic report pair (nmap 7.93's `-sV -sC` structure). */
export const sampleHostElements = (): ReadonlyArray<string> => {
  const dir = mkdtempSync(join(tmpdir(), "hh-fuzz-hosts-"))
  try {
    writeSynthPair(join(dir, "a.xml"), join(dir, "b.xml"), { network: "10.20.0.0/26", seed: 11, changeRate: 0.2 })
    const elements: Array<string> = []
    for (const name of ["a.xml", "b.xml"]) {
      const text = readFileSync(join(dir, name), "utf8")
      for (let at = text.indexOf("<host"); at >= 0; at = text.indexOf("<host", at + 1)) {
        if (text[at + 5] !== " " && text[at + 5] !== ">") continue // <hostnames>, <hostname>, <hosthint>
        elements.push(text.slice(at, text.indexOf("</host>", at) + 7))
      }
    }
    return elements
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const tokens = ["<", ">", "&", '"', "'", "=", "/", " ", "\n", "&amp;", "&#xa;", "&#x;", "&bogus", "&lt", "<!-- c -->", "<![CDATA[x]]>", "<?pi?>", "<x>", "</x>", "<x/>", ' a="1"', " state=\"open\"", "<state state=\"closed\"/>", "<service/>", "\u0000", "é", "__proto__"]

type Rand = () => number
const int = (rand: Rand, n: number) => Math.floor(rand() * n)

/** One random edit, biased to positions next to markup. */
export const mutate = (element: string, rand: Rand): string => {
  const markup = () => {
    // a position at or next to one of < > " = (where a parser decides things)
    for (let tries = 0; tries < 8; tries++) {
      const i = int(rand, element.length)
      const c = element[i]
      if (c === "<" || c === ">" || c === '"' || c === "=") return i + int(rand, 2)
    }
    return int(rand, element.length + 1)
  }
  const at = markup()
  switch (int(rand, 7)) {
    case 6: {
      // something inside an attribute value (where `<`, a stray `&` or a quote is fatal)
      const found = [...element.matchAll(/ [a-z_]+="([^"]*)"/g)]
      const m = found[int(rand, found.length)]
      if (m === undefined) return element
      const i = m.index + m[0].length - 1 - int(rand, m[1]!.length + 1)
      return element.slice(0, i) + tokens[int(rand, 6)]! + element.slice(i)
    }
    case 0:
      return element.slice(0, at) + element.slice(at + 1 + int(rand, 3))
    case 1:
      return element.slice(0, at) + tokens[int(rand, tokens.length)]! + element.slice(at)
    case 2: {
      // repeat an attribute of some element
      const attr = / [a-z_]+="[^"]*"/g
      const found = [...element.matchAll(attr)]
      const m = found[int(rand, found.length)]
      return m === undefined ? element : element.slice(0, m.index + m[0].length) + m[0] + element.slice(m.index + m[0].length)
    }
    case 3: {
      // rename a closing tag
      const closes = [...element.matchAll(/<\/([a-z]+)>/g)]
      const m = closes[int(rand, closes.length)]
      return m === undefined ? element : element.slice(0, m.index) + `</${m[1]}x>` + element.slice(m.index + m[0].length)
    }
    case 4:
      return element.slice(0, at)
    default: {
      // duplicate a whole child element (repeated singletons become arrays in the full parser)
      const open = [...element.matchAll(/<(status|hostnames|ports|state|service|address|port)\b[^>]*\/>/g)]
      const m = open[int(rand, open.length)]
      return m === undefined ? element : element.slice(0, m.index + m[0].length) + m[0] + element.slice(m.index + m[0].length)
    }
  }
}

export interface FuzzStats {
  readonly cases: number
  /** the fast scan answered (and agreed) */
  readonly answered: number
  /** the full parser rejected the element (the fast scan then must have declined) */
  readonly rejected: number
}

export class HostScanMismatch extends Error {
  constructor(
    readonly element: string,
    readonly fast: unknown,
    readonly full: unknown
  ) {
    super(`the fast host scan disagrees with the full parser on:\n${element}\nfast: ${JSON.stringify(fast)}\nfull: ${JSON.stringify(full)}`)
  }
}

/** Runs `cases` mutated elements (1–3 edits each); throws HostScanMismatch on the first disagreement. */
export const fuzzHostScan = (elements: ReadonlyArray<string>, options: { readonly seed: number; readonly cases: number }): FuzzStats => {
  const rand = prng(options.seed)
  let answered = 0
  let rejected = 0
  for (let k = 0; k < options.cases; k++) {
    let element = elements[int(rand, elements.length)]!
    for (let edits = 1 + int(rand, 3); edits > 0; edits--) element = mutate(element, rand)
    const full = parseHostElementFully(element)
    if (typeof full === "string" && full.startsWith("malformed XML")) rejected++
    const fast = scanHostElement(element)
    if (fast === null) continue
    const mapped = toNmapHost(fast)
    if (!isDeepStrictEqual(mapped, full)) throw new HostScanMismatch(element, mapped, full)
    answered++
  }
  return { cases: options.cases, answered, rejected }
}
