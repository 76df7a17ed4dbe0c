/**
 * Open-on-first-use resources bound to a layer's scope. A failed open is not cached:
 * the next use tries again (the database may have come back).
 */
import { Effect, ExecutionStrategy, Exit, Scope } from "effect"

export const lazyResource = <A, E>(open: Effect.Effect<A, E, Scope.Scope>) =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const lock = yield* Effect.makeSemaphore(1)
    let opened: A | undefined
    const get = lock.withPermits(1)(
      Effect.suspend(() =>
        opened !== undefined
          ? Effect.succeed(opened)
          : Effect.gen(function* () {
              const child = yield* Scope.fork(scope, ExecutionStrategy.sequential)
              // opened interruptibly: fibers the resource forks must stay interruptible even
              // when its first user runs in an uninterruptible region
              const value = yield* open.pipe(Scope.extend(child), Effect.interruptible, Effect.tapError(() => Scope.close(child, Exit.void)))
              opened = value
              return value
            })
      )
    )
    return { get, peek: () => opened }
  })
