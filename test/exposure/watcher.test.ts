/** The watched directory: reports imported as they arrive, filed under processed/ or failed/ with the reason. */
import { Effect, Fiber, ManagedRuntime } from "effect"
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import { EventStore } from "../../domain/EventStore.js"
import type { ScanSummary } from "../../src/exposure/import.js"
import { watchScans } from "../../src/exposure/watcher.js"

const fixture = (name: string) => join(import.meta.dirname, "fixtures", name)

const waitFor = async (check: () => boolean, ms = 10_000) => {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out")
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe("scan watcher (scans.watchDir)", () => {
  const root = mkdtempSync(join(tmpdir(), "hh-watch-"))
  const dir = join(root, "reportstocheck")
  let runtime: ManagedRuntime.ManagedRuntime<EventStore, unknown>
  const imported: Array<ScanSummary> = []
  let fiber: Fiber.RuntimeFiber<unknown, unknown> | undefined

  beforeAll(() => {
    runtime = ManagedRuntime.make(Embedded.layer({ filename: join(root, "events.sqlite") }))
    fiber = runtime.runFork(
      Effect.flatMap(EventStore, (store) =>
        watchScans(store, dir, { udpOpenFiltered: false, interval: "50 millis", afterImport: (s) => Effect.sync(() => imported.push(s)) })
      )
    )
  })
  afterAll(async () => {
    if (fiber !== undefined) await runtime.runPromise(Fiber.interrupt(fiber))
    await runtime?.dispose()
  })

  it("imports a report that arrives and moves it to processed/", async () => {
    await waitFor(() => existsSync(dir))
    copyFileSync(fixture("three-hosts.xml.gz"), join(dir, "193.22.119.0_20261130.xml.gz"))
    await waitFor(() => existsSync(join(dir, "processed", "193.22.119.0_20261130.xml.gz")))
    expect(readdirSync(dir).filter((n) => n !== "processed" && n !== "failed")).toEqual([])
    expect(imported.map((s) => [s.hosts, s.detected.length, s.failure])).toEqual([[3, 5, null]])
  })

  it("moves a truncated report to failed/ with the reason, keeping its good hosts", async () => {
    copyFileSync(fixture("truncated.xml"), join(dir, "193.22.119.0_20261201.xml"))
    const failed = join(dir, "failed", "193.22.119.0_20261201.xml")
    await waitFor(() => existsSync(`${failed}.reason.txt`))
    expect(existsSync(failed)).toBe(true)
    expect(readFileSync(`${failed}.reason.txt`, "utf8")).toMatch(/input ended inside the <host> element starting here \(line 20, offset \d+\)/)
    expect(imported.at(-1)?.hosts).toBe(2)
  })

  it("keeps both copies when a report name comes twice", async () => {
    copyFileSync(fixture("three-hosts.xml.gz"), join(dir, "193.22.119.0_20261130.xml.gz"))
    await waitFor(() => existsSync(join(dir, "processed", "193.22.119.0_20261130.xml.gz.1")))
    expect(imported.at(-1)?.detected).toEqual([]) // nothing new the second time
  })
})
