/**
 * In-process CPU profiling through node:inspector (no node flags needed under tsx), and
 * a summary of a profile by self time and by inclusive time per function.
 */
import { Session } from "node:inspector/promises"
import type { Profiler } from "node:inspector"

export const profiled = async <A>(f: () => Promise<A>): Promise<{ readonly value: A; readonly profile: Profiler.Profile }> => {
  const session = new Session()
  session.connect()
  try {
    await session.post("Profiler.enable")
    await session.post("Profiler.setSamplingInterval", { interval: 250 })
    await session.post("Profiler.start")
    const value = await f()
    const { profile } = await session.post("Profiler.stop")
    return { value, profile }
  } finally {
    session.disconnect()
  }
}

const shortUrl = (url: string) => {
  const modules = url.lastIndexOf("node_modules/")
  if (modules >= 0) return url.slice(modules + "node_modules/".length)
  const main = url.indexOf("/work/main/")
  return main >= 0 ? url.slice(main + "/work/main/".length) : url.replace(/^file:\/\//, "")
}

export interface ProfileLine {
  readonly ms: number
  readonly share: number
  readonly label: string
}

/** Top functions by self time, by inclusive time (each sample counted once per function), and self time per file. */
export const summarize = (profile: Profiler.Profile, top = 25) => {
  const parent = new Map<number, number>()
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const label = (id: number) => {
    const f = byId.get(id)!.callFrame
    return `${f.functionName || "(anonymous)"} ${shortUrl(f.url)}:${f.lineNumber + 1}:${f.columnNumber + 1}`
  }
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  const perFile = new Map<string, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  let total = 0
  samples.forEach((id, i) => {
    const dt = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000
    total += dt
    const top = label(id)
    self.set(top, (self.get(top) ?? 0) + dt)
    const file = shortUrl(byId.get(id)!.callFrame.url) || byId.get(id)!.callFrame.functionName
    perFile.set(file, (perFile.get(file) ?? 0) + dt)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(at)
      if (seen.has(l)) continue
      seen.add(l)
      inclusive.set(l, (inclusive.get(l) ?? 0) + dt)
    }
  })
  const lines = (m: Map<string, number>): ReadonlyArray<ProfileLine> =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([l, ms]) => ({ ms, share: ms / total, label: l }))
  return { totalMs: total, self: lines(self), inclusive: lines(inclusive), perFile: lines(perFile) }
}

export const formatLines = (title: string, lines: ReadonlyArray<ProfileLine>) =>
  [title, ...lines.map((l) => `  ${l.ms.toFixed(0).padStart(7)} ms ${(l.share * 100).toFixed(1).padStart(5)}%  ${l.label}`)].join("\n")
