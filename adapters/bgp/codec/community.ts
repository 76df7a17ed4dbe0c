/**
 * Communities from configuration text, and back.
 *
 *  - RFC 1997 communities are 32-bit numbers written "ASN:VALUE" (16 bits each),
 *    with the well-known names "no-export", "no-advertise", "no-export-subconfed";
 *  - RFC 7999 BLACKHOLE is 65535:666 ("blackhole");
 *  - RFC 8092 large communities are three 32-bit numbers "A:B:C".
 *
 * The seed's routers matched "AS:666" (7675:666) to route to the discard next hop.
 */
import { Either } from "effect"

export const NO_EXPORT = 0xffffff01
export const NO_ADVERTISE = 0xffffff02
export const NO_EXPORT_SUBCONFED = 0xffffff03
export const BLACKHOLE = 0xffff029a

export interface LargeCommunity {
  readonly global: number
  readonly local1: number
  readonly local2: number
}

export interface Communities {
  readonly standard: ReadonlyArray<number>
  readonly large: ReadonlyArray<LargeCommunity>
}

const named: Record<string, number> = {
  "no-export": NO_EXPORT,
  "no-advertise": NO_ADVERTISE,
  "no-export-subconfed": NO_EXPORT_SUBCONFED,
  "blackhole": BLACKHOLE
}

const namesByValue = new Map<number, string>([
  [NO_EXPORT, "no-export"],
  [NO_ADVERTISE, "no-advertise"],
  [NO_EXPORT_SUBCONFED, "no-export-subconfed"]
])

const uint = (text: string, max: number): number | null => {
  if (!/^(0|[1-9][0-9]{0,9})$/.test(text)) return null
  const n = Number(text)
  return n <= max ? n : null
}

export type ParsedCommunity =
  | { readonly _tag: "Standard"; readonly value: number }
  | { readonly _tag: "Large"; readonly value: LargeCommunity }

/** One community from configuration; the error names the value and what is expected. */
export const parseCommunity = (input: string): Either.Either<ParsedCommunity, string> => {
  const text = input.trim().toLowerCase().replace(/_/g, "-")
  const wellKnown = named[text]
  if (wellKnown !== undefined) return Either.right({ _tag: "Standard", value: wellKnown })
  const parts = text.split(":")
  if (parts.length === 2) {
    const asn = uint(parts[0]!, 0xffff)
    const value = uint(parts[1]!, 0xffff)
    if (asn !== null && value !== null) return Either.right({ _tag: "Standard", value: ((asn << 16) | value) >>> 0 })
  }
  if (parts.length === 3) {
    const [a, b, c] = parts.map((p) => uint(p, 0xffffffff))
    if (a != null && b != null && c != null) return Either.right({ _tag: "Large", value: { global: a, local1: b, local2: c } })
  }
  return Either.left(
    `expected a community "ASN:VALUE" (0–65535 each), "no-export", "no-advertise", "no-export-subconfed", "blackhole" or a large community "A:B:C" (32-bit each), got ${JSON.stringify(input)}`
  )
}

/** Parses a configuration list, keeping order and dropping duplicates. */
export const parseCommunities = (inputs: ReadonlyArray<string>): Either.Either<Communities, string> => {
  const standard: Array<number> = []
  const large: Array<LargeCommunity> = []
  for (const input of inputs) {
    const parsed = parseCommunity(input)
    if (Either.isLeft(parsed)) return Either.left(parsed.left)
    const c = parsed.right
    if (c._tag === "Standard") {
      if (!standard.includes(c.value)) standard.push(c.value)
    } else if (!large.some((l) => l.global === c.value.global && l.local1 === c.value.local1 && l.local2 === c.value.local2)) {
      large.push(c.value)
    }
  }
  return Either.right({ standard, large })
}

/** "7675:666", "65535:666", "no-export"… */
export const formatCommunity = (c: number): string => namesByValue.get(c) ?? `${c >>> 16}:${c & 0xffff}`

export const formatLargeCommunity = (c: LargeCommunity): string => `${c.global}:${c.local1}:${c.local2}`

export const formatCommunities = (c: Communities): Array<string> => [
  ...c.standard.map(formatCommunity),
  ...c.large.map(formatLargeCommunity)
]
