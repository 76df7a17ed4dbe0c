/**
 * A real `gc()` without `node --expose-gc`: vitest's forks don't pass the flag, and
 * `global.gc?.()` silently does nothing without it, so a heap measurement would count
 * garbage that merely has not been collected yet.
 */
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

export const gc: () => void = (() => {
  setFlagsFromString("--expose-gc")
  return runInNewContext("gc") as () => void
})()

/** Heap in use after full collections (several, so weak callbacks and finalizers run). */
export const settledHeapUsed = async (): Promise<number> => {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}
