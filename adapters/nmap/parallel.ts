/**
 * Reads a report on a worker thread while the caller records what was read: parsing a
 * /16 report (244 MB of `-sV -sC` XML) takes about as long as recording its 65,536 hosts,
 * and on two cores the two now overlap (bench/RESULTS.md, exposure). The items, their
 * order, and the fault after the good hosts are exactly those of `readNmap`.
 */
import { Worker } from "node:worker_threads"
import { defaultLimits, NmapReadError } from "./reader.js"
import type { NmapItem, NmapLimits } from "./reader.js"

export type ToMain =
  | { readonly kind: "items"; readonly items: ReadonlyArray<NmapItem> }
  | { readonly kind: "error"; readonly reason: NmapReadError["reason"]; readonly detail: string; readonly line: number; readonly offset: number }
  | { readonly kind: "end" }

type Received = ToMain | { readonly kind: "failed"; readonly message: string }

export interface ParallelOptions {
  readonly limits?: NmapLimits
  /** items per message (default 256) */
  readonly batchSize?: number
  /** batches the worker may read ahead (default 4): bounds the memory between the threads */
  readonly readAhead?: number
}

// from the sources (tsx, vitest) the worker is TypeScript too: it starts through
// adapters/tsx-worker.mjs, which registers tsx's loader in the worker thread first
const fromSources = import.meta.url.endsWith(".ts")
const workerEntry = new URL(fromSources ? "./worker.ts" : "./worker.js", import.meta.url)
const workerUrl = fromSources ? new URL("../tsx-worker.mjs", import.meta.url) : workerEntry

export interface NmapBatchReader extends AsyncIterableIterator<ReadonlyArray<NmapItem>> {
  /** Stops the worker (idempotent); also done when the iteration ends, fails or is left early. */
  readonly close: () => Promise<void>
}

/**
 * The report's items in batches, parsed on a worker thread that starts now — so the
 * caller can load what it needs (the inventory) while the first batches are parsed.
 * Throws NmapReadError after the good items. Call `close` if you may not iterate to the end.
 */
export const readNmapBatches = (file: string, options: ParallelOptions = {}): NmapBatchReader => {
  const limits = options.limits ?? defaultLimits
  const worker = new Worker(workerUrl, {
    workerData: { entry: workerEntry.href, file, limits, batchSize: options.batchSize ?? 256, credits: options.readAhead ?? 4 },
    // a host element may be maxHostChars long (UTF-16), plus the chunk being read
    resourceLimits: { maxOldGenerationSizeMb: Math.max(64, Math.ceil((limits.maxHostChars * 4) / 2 ** 20) + 32) },
    stdout: false,
    stderr: false
  })
  const inbox: Array<Received> = []
  let notify: (() => void) | null = null
  const receive = (message: Received) => {
    inbox.push(message)
    notify?.()
    notify = null
  }
  worker.on("message", (message: ToMain) => receive(message))
  worker.on("error", (e) => receive({ kind: "failed", message: e.message }))
  worker.on("exit", (code) => receive({ kind: "failed", message: `the report reader's thread exited (code ${code}) before the end of the report` }))
  let closing: Promise<void> | null = null
  const close = () => {
    closing ??= (async () => {
      worker.removeAllListeners()
      await worker.terminate()
    })()
    return closing
  }
  const batches = async function* (): AsyncGenerator<ReadonlyArray<NmapItem>> {
    try {
      for (;;) {
        while (inbox.length === 0) await new Promise<void>((resolve) => (notify = resolve))
        const message = inbox.shift()!
        switch (message.kind) {
          case "items":
            worker.postMessage("more") // the worker reads the next batch while this one is recorded
            yield message.items
            break
          case "end":
            return
          case "error":
            throw new NmapReadError(message.reason, message.detail, message.line, message.offset)
          case "failed":
            throw new NmapReadError("Read", `cannot read the report: ${message.message}`, 0, 0)
        }
      }
    } finally {
      await close()
    }
  }
  const iterator = batches()
  return Object.assign(iterator, {
    close: async () => {
      await iterator.return(undefined) // runs the finally above if the iteration had started
      await close()
    }
  })
}
