/**
 * The report reader on a worker thread (started by parallel.ts): reads and parses the
 * report and posts its items in batches, at most `credits` batches ahead of the main
 * thread, which is busy recording the previous ones. A read fault is posted after the
 * items read before it, as the in-process reader throws it after them.
 */
import { parentPort, workerData } from "node:worker_threads"
import { NmapReadError, openReport, readNmap } from "./reader.js"
import type { NmapItem, NmapLimits } from "./reader.js"
import type { ToMain } from "./parallel.js"

interface Input {
  readonly file: string
  readonly limits: NmapLimits
  readonly batchSize: number
  readonly credits: number
}

const port = parentPort
if (port === null) throw new Error("adapters/nmap/worker.ts runs as a worker thread")
const { file, limits, batchSize, credits: initialCredits } = workerData as Input

let credits = initialCredits
let wake: (() => void) | null = null
port.on("message", (message: unknown) => {
  if (message !== "more") return
  credits++
  wake?.()
  wake = null
})
const post = async (message: ToMain) => {
  if (message.kind === "items") {
    while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve))
    credits--
  }
  port.postMessage(message)
}

let batch: Array<NmapItem> = []
try {
  for await (const item of readNmap(openReport(file), limits)) {
    batch.push(item)
    if (batch.length >= batchSize) {
      await post({ kind: "items", items: batch })
      batch = []
    }
  }
  if (batch.length > 0) await post({ kind: "items", items: batch })
  await post({ kind: "end" })
} catch (e) {
  if (batch.length > 0) await post({ kind: "items", items: batch })
  const error = e instanceof NmapReadError ? e : new NmapReadError("Read", e instanceof Error ? e.message : String(e), 0, 0)
  await post({ kind: "error", reason: error.reason, detail: error.detail, line: error.line, offset: error.offset })
}
port.close()
