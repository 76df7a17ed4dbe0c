/**
 * What each real peer's RIB holds, normalised: communities as "a:b" numbers
 * (FRR's names mapped back), large communities "a:b:c", AS path as numbers.
 */

export interface RibRoute {
  readonly prefix: string
  readonly nextHop: string
  readonly communities: ReadonlyArray<string>
  readonly largeCommunities: ReadonlyArray<string>
  readonly asPath: ReadonlyArray<number>
  readonly localPref: number | null
}

const wellKnown: Record<string, string> = {
  blackhole: "65535:666",
  noExport: "65535:65281",
  noAdvertise: "65535:65282",
  noPeer: "65535:65284",
  "no-export": "65535:65281",
  "no-advertise": "65535:65282"
}
const normaliseCommunity = (c: string) => wellKnown[c] ?? c

// --- BIRD -------------------------------------------------------------------

export const parseBirdRoutes = (text: string): Array<RibRoute> => {
  const out: Array<RibRoute> = []
  let current: { prefix: string; attrs: Record<string, string> } | null = null
  const flush = () => {
    if (current === null) return
    const a = current.attrs
    out.push({
      prefix: current.prefix,
      nextHop: a["BGP.next_hop"]?.split(" ")[0] ?? "",
      communities: [...(a["BGP.community"] ?? "").matchAll(/\((\d+),(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`),
      largeCommunities: [...(a["BGP.large_community"] ?? "").matchAll(/\((\d+), (\d+), (\d+)\)/g)].map((m) => `${m[1]}:${m[2]}:${m[3]}`),
      asPath: (a["BGP.as_path"] ?? "").trim().split(/\s+/).filter((x) => x !== "").map(Number),
      localPref: a["BGP.local_pref"] === undefined ? null : Number(a["BGP.local_pref"])
    })
    current = null
  }
  for (const line of text.split("\n")) {
    const head = /^([0-9a-f:.]+\/\d+)\s/.exec(line)
    if (head !== null) {
      flush()
      current = { prefix: head[1]!, attrs: {} }
      continue
    }
    const attr = /^\s+(BGP\.[a-z_]+): ?(.*)$/.exec(line)
    if (attr !== null && current !== null) current.attrs[attr[1]!] = attr[2]!
  }
  flush()
  return out
}

// --- GoBGP ------------------------------------------------------------------

interface GobgpAttr {
  readonly type: number
  readonly value?: unknown
  readonly nexthop?: string
  readonly communities?: ReadonlyArray<number>
  readonly as_paths?: ReadonlyArray<{ readonly asns?: ReadonlyArray<number> }>
}

export const parseGobgpRoutes = (json: string): Array<RibRoute> => {
  if (json.trim() === "") return []
  const table = JSON.parse(json) as Record<string, ReadonlyArray<{ readonly attrs: ReadonlyArray<GobgpAttr> }>>
  return Object.entries(table).flatMap(([prefix, paths]) =>
    paths.map((p) => {
      const attr = (t: number) => p.attrs.find((a) => a.type === t)
      const large = (attr(32)?.value ?? []) as ReadonlyArray<{ ASN: number; LocalData1: number; LocalData2: number }>
      return {
        prefix,
        nextHop: attr(3)?.nexthop ?? attr(14)?.nexthop ?? "",
        communities: (attr(8)?.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`),
        largeCommunities: large.map((l) => `${l.ASN}:${l.LocalData1}:${l.LocalData2}`),
        asPath: (attr(2)?.as_paths ?? []).flatMap((s) => s.asns ?? []),
        localPref: typeof attr(5)?.value === "number" ? (attr(5)!.value as number) : null
      }
    })
  )
}

// --- FRR --------------------------------------------------------------------

interface FrrPath {
  readonly aspath?: { readonly segments?: ReadonlyArray<{ readonly list?: ReadonlyArray<number> }> }
  readonly community?: { readonly list?: ReadonlyArray<string> }
  readonly largeCommunity?: { readonly list?: ReadonlyArray<string> }
  readonly nexthops?: ReadonlyArray<{ readonly ip?: string }>
  readonly locPrf?: number
  readonly localpref?: number
}

export const parseFrrRoutes = (json: string): Array<RibRoute> => {
  const table = JSON.parse(json) as { routes?: Record<string, ReadonlyArray<FrrPath>> }
  return Object.entries(table.routes ?? {}).flatMap(([prefix, entries]) =>
    entries.filter((p) => p.nexthops !== undefined).map((p) => ({
      prefix,
      nextHop: p.nexthops?.[0]?.ip ?? "",
      communities: (p.community?.list ?? []).map(normaliseCommunity),
      largeCommunities: [...(p.largeCommunity?.list ?? [])],
      asPath: (p.aspath?.segments ?? []).flatMap((s) => s.list ?? []),
      localPref: p.locPrf ?? p.localpref ?? null
    }))
  )
}
