/**
 * Lets Node's pending I/O callbacks run before continuing (setImmediate). Writers that
 * batch call it after waking on their first item: better-sqlite3 is synchronous, so
 * without it the write would run in the microtasks right after the callback that
 * queued the item, and every batch would hold exactly one.
 */
import { Effect } from "effect"

export const yieldToEventLoop: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})
