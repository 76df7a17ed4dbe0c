// Starts a TypeScript worker thread when honeyhole runs from its sources (tsx, vitest):
// tsx's loader registered in the main thread does not reach worker threads on Node 20,
// and `execArgv: ["--import", "tsx"]` does not apply to the worker's entry module. So the
// worker runs this plain module, which registers tsx here and imports the real entry,
// `workerData.entry`. The transpiled build runs its workers directly.
import { register } from "tsx/esm/api"
import { workerData } from "node:worker_threads"

register()
await import(workerData.entry)
