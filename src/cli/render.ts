/** Terminal output shared by commands: event lines, tables, progress. */
import { Console, Effect } from "effect"
import type { RecordedEvent } from "../../domain/events/index.js"

const at = (e: RecordedEvent): string => {
  const m = e.metadata as { at?: unknown } | null
  return typeof m?.at === "string" ? m.at : "-".padEnd(24)
}

const compact = (data: unknown, width: number): string => {
  const text = JSON.stringify(data) ?? ""
  return text.length > width ? `${text.slice(0, width - 1)}…` : text
}

export const eventLine = (e: RecordedEvent): string =>
  `${at(e)}  ${`${e.stream}@${e.revision}`.padEnd(36)}  ${e.type.padEnd(22)}  ${compact(e.data, 140)}`

export const eventJson = (e: RecordedEvent): string =>
  JSON.stringify({ stream: e.stream, revision: e.revision, position: e.position, eventId: e.eventId, type: e.type, data: e.data, metadata: e.metadata })

export const printEvent = (json: boolean) => (e: RecordedEvent) => Console.log(json ? eventJson(e) : eventLine(e))

export const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()
  return [line(headers), ...rows.map(line)].join("\n")
}

/**
 * A status line: redrawn in place on a TTY (`last` ends it with a newline), one line per
 * call otherwise — what every progress printer writes through.
 */
export const writeStatus = (stream: NodeJS.WriteStream, line: string, last = false): void => {
  stream.write(stream.isTTY ? `\r${line}\x1b[K${last ? "\n" : ""}` : `${line}\n`)
}

/**
 * Progress for long work: a redrawn bar on a TTY, otherwise a log line every few
 * seconds (and at the end) so CI logs and journald stay readable.
 */
export const progressReporter = (label: string, stream: NodeJS.WriteStream = process.stderr) => {
  const started = Date.now()
  let lastDraw = 0
  return (done: number, total: number) =>
    Effect.sync(() => {
      const now = Date.now()
      const finished = done >= total
      const interval = stream.isTTY ? 100 : 5000
      if (!finished && now - lastDraw < interval && done !== 0) return
      lastDraw = now
      const rate = Math.round(done / Math.max((now - started) / 1000, 0.001))
      const pct = total === 0 ? 100 : Math.floor((done / total) * 100)
      if (stream.isTTY) {
        const width = 30
        const fill = Math.round((pct / 100) * width)
        stream.write(`\r${label} [${"#".repeat(fill)}${" ".repeat(width - fill)}] ${pct}% ${done}/${total} events ${rate}/s`)
        if (finished) stream.write("\n")
      } else {
        stream.write(`${label}: ${done}/${total} events (${pct}%), ${rate}/s\n`)
      }
    })
}

/**
 * Progress when the total is not known up front (hosts in a report): a redrawn count on
 * a TTY, otherwise a line every few seconds; `end` prints the last count once.
 */
export const countReporter = (label: string, unit: string, stream: NodeJS.WriteStream = process.stderr) => {
  const started = Date.now()
  let lastDraw = started // the first line after one interval: a quick import prints only its end
  const line = (done: number, now: number) => `${label}: ${done} ${unit} (${Math.round(done / Math.max((now - started) / 1000, 0.001))}/s)`
  return {
    update: (done: number) =>
      Effect.sync(() => {
        const now = Date.now()
        if (now - lastDraw < (stream.isTTY ? 100 : 5000)) return
        lastDraw = now
        writeStatus(stream, line(done, now))
      }),
    end: (done: number) => Effect.sync(() => writeStatus(stream, line(done, Date.now()), true))
  }
}

/** a span for humans: "2d3h", "4h12m", "7m30s" */
export const formatSpan = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s >= 86400) return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`
  if (s >= 3600) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
  return `${Math.floor(s / 60)}m${s % 60}s`
}
