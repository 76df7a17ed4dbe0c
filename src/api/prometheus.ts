/** Prometheus text exposition (format 0.0.4) of Effect's metric registry plus computed gauges. */
import { Effect, Metric, MetricState, Option } from "effect"

export interface Sample {
  readonly name: string
  readonly help: string
  readonly type: "counter" | "gauge"
  readonly labels?: Readonly<Record<string, string>>
  readonly value: number
}

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')
const metricName = (name: string) => name.replace(/[^a-zA-Z0-9_:]/g, "_")

export const render = (samples: ReadonlyArray<Sample>): string => {
  const byName = new Map<string, Array<Sample>>()
  for (const s of samples) byName.set(s.name, [...(byName.get(s.name) ?? []), s])
  const lines: Array<string> = []
  for (const [name, group] of byName) {
    lines.push(`# HELP ${name} ${group[0]!.help}`, `# TYPE ${name} ${group[0]!.type}`)
    for (const s of group) {
      const labels = Object.entries(s.labels ?? {})
      const text = labels.length === 0 ? "" : `{${labels.map(([k, v]) => `${k}="${escape(v)}"`).join(",")}}`
      lines.push(`${name}${text} ${Number.isFinite(s.value) ? s.value : 0}`)
    }
  }
  return lines.join("\n") + "\n"
}

/** Counters and gauges from Effect's registry (incl. effect_fiber_active with runtime metrics on). */
export const registrySamples = Effect.map(Metric.snapshot, (pairs) =>
  pairs.flatMap((pair): Array<Sample> => {
    const key = pair.metricKey
    const name = metricName(key.name)
    const help = Option.getOrElse(key.description, () => name)
    const labels = Object.fromEntries(key.tags.map((t) => [t.key, t.value]))
    const state = pair.metricState
    if (MetricState.isCounterState(state)) return [{ name, help, type: "counter", labels, value: Number(state.count) }]
    if (MetricState.isGaugeState(state)) return [{ name, help, type: "gauge", labels, value: Number(state.value) }]
    return []
  })
)
