/**
 * The exposure report mail: new and resolved findings of one scan, grouped by host
 * type, then host — the seed mailed every unexpected port every day; this names only
 * what changed. Plain text and HTML carry the same content.
 */
import type { PortExposureDetected, PortExposureResolved } from "../../domain/events/index.js"
import type { ScanSummary } from "./import.js"

export interface ReportContent {
  readonly subject: string
  readonly text: string
  readonly html: string
}

interface Line {
  readonly hostType: string
  readonly host: string
  readonly port: string
  readonly note: string
}

const UNKNOWN = "(not in the inventory)"

const group = (lines: ReadonlyArray<Line>): Map<string, Map<string, Array<Line>>> => {
  const out = new Map<string, Map<string, Array<Line>>>()
  const sorted = [...lines].sort((a, b) => a.hostType.localeCompare(b.hostType) || a.host.localeCompare(b.host, "en", { numeric: true }))
  for (const line of sorted) {
    const byHost = out.get(line.hostType) ?? new Map<string, Array<Line>>()
    out.set(line.hostType, byHost)
    byHost.set(line.host, [...(byHost.get(line.host) ?? []), line])
  }
  return out
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const section = (title: string, lines: ReadonlyArray<Line>) => {
  const groups = group(lines)
  const text = [`${title} (${lines.length})`]
  const html = [`<h2>${escapeHtml(title)} (${lines.length})</h2>`]
  for (const [hostType, hosts] of groups) {
    text.push(`  ${hostType}`)
    html.push(`<h3>${escapeHtml(hostType)}</h3><ul>`)
    for (const [host, ports] of hosts) {
      text.push(`    ${host}: ${ports.map((p) => `${p.port}${p.note === "" ? "" : ` (${p.note})`}`).join(", ")}`)
      html.push(`<li><b>${escapeHtml(host)}</b>: ${ports.map((p) => `${escapeHtml(p.port)}${p.note === "" ? "" : ` <i>${escapeHtml(p.note)}</i>`}`).join(", ")}</li>`)
    }
    html.push(`</ul>`)
  }
  return { text: text.join("\n"), html: html.join("\n") }
}

/** null when nothing changed: no mail. `hostTypeOf` names the type of resolved findings' hosts. */
export const renderReport = (
  summary: Pick<ScanSummary, "scanId" | "file" | "hosts" | "detected" | "resolved">,
  hostTypeOf: (ip: string) => string | null
): ReportContent | null => {
  const { detected, resolved } = summary
  if (detected.length === 0 && resolved.length === 0) return null
  const newLines = detected.map((d: PortExposureDetected) => ({ hostType: d.hostType ?? UNKNOWN, host: d.host, port: `${d.port}/${d.transport}`, note: d.service ?? "" }))
  const resolvedLines = resolved.map((r: PortExposureResolved) => ({
    hostType: hostTypeOf(r.host) ?? UNKNOWN,
    host: r.host,
    port: `${r.port}/${r.transport}`,
    note: r.resolution === "allowed" ? "now allowed by the inventory" : "closed"
  }))
  const parts = [...(newLines.length > 0 ? [section("New unexpected open ports", newLines)] : []), ...(resolvedLines.length > 0 ? [section("Resolved", resolvedLines)] : [])]
  const intro = `Scan ${summary.scanId} of ${summary.file}: ${summary.hosts} hosts.`
  return {
    subject: `[honeyhole] ${detected.length} new, ${resolved.length} resolved exposed port(s)`,
    text: [intro, "", ...parts.map((p) => p.text + "\n")].join("\n"),
    html: `<html><body><p>${escapeHtml(intro)}</p>\n${parts.map((p) => p.html).join("\n")}</body></html>`
  }
}
