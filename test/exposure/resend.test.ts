/**
 * A report mail is never lost: after the final SMTP failure the report (recorded with
 * its first failure) stays pending until an ExposureReportSent follows it. Re-sent by
 * `resendPending` (the `exposure resend` command and the exposure actor's loop) to a
 * real SMTP server on 127.0.0.1: exactly one mail with the original content, and no
 * second one on the next resend.
 */
import { Effect, Fiber, ManagedRuntime, Stream } from "effect"
import { randomUUID } from "node:crypto"
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import { EventStore } from "../../domain/EventStore.js"
import { envelope, ExposureReportFailed } from "../../domain/events/index.js"
import { resendLoop } from "../../src/exposure/actor.js"
import { importScan } from "../../src/exposure/import.js"
import { pendingReports, resendPending, sendScanReport } from "../../src/exposure/notify.js"
import type { NotifySettings } from "../../src/exposure/notify.js"
import { freeTcpPort } from "../support/free-port.js"
import { startSmtp } from "./smtp.js"
import type { TestSmtp } from "./smtp.js"
import { writeReport } from "./support.js"

const bin = resolve(import.meta.dirname, "../../bin/honeyhole.js")

describe("re-sending failed report mails (real SMTP server on 127.0.0.1)", () => {
  const cwd = mkdtempSync(join(tmpdir(), "hh-resend-"))
  mkdirSync(join(cwd, "data"))
  let runtime: ManagedRuntime.ManagedRuntime<EventStore, unknown>
  let smtp: TestSmtp
  let deadPort: number
  const run = <A, E>(e: Effect.Effect<A, E, EventStore>) => runtime.runPromise(e)
  const settings = (port: number, attempts = 2): NotifySettings => ({
    smtp: { host: "127.0.0.1", port, secure: false, user: null, pass: null, timeoutMs: 2000 },
    from: "honeyhole@localhost",
    to: ["noc@example.net"],
    attempts,
    backoff: "20 millis"
  })
  let hostNo = 0
  /** a scan with one new finding on a new host, its report mailed through `s` */
  const scanAndMail = (s: NotifySettings) =>
    run(
      Effect.gen(function* () {
        const store = yield* EventStore
        const ip = `192.0.2.${++hostNo}`
        const file = writeReport(join(cwd, `r${hostNo}.xml`), [{ ip, ports: [{ port: 8000 + hostNo, service: "http-alt" }] }])
        const summary = yield* importScan(store, file, { source: "file", udpOpenFiltered: false })
        const outcome = yield* sendScanReport(store, summary, s)
        return { ip, port: 8000 + hostNo, summary, outcome }
      })
    )
  const scanEvents = (scanId: string) => run(Effect.flatMap(EventStore, (store) => Stream.runCollect(store.readStream(`scan-${scanId}`))).pipe(Effect.map((c) => [...c])))

  beforeAll(async () => {
    smtp = await startSmtp()
    deadPort = await freeTcpPort()
    runtime = ManagedRuntime.make(Embedded.layer({ filename: join(cwd, "data", "events.sqlite") }))
  })
  afterAll(async () => {
    await runtime?.dispose()
    await smtp?.close()
  })

  it("relay down: the final failure keeps the report; once the relay is up one resend delivers it, the next sends nothing", async () => {
    const before = smtp.mails.length
    const { ip, port, summary, outcome } = await scanAndMail(settings(deadPort))
    expect(outcome).toMatchObject({ _tag: "Failed", attempts: 2 })
    const failed = (await scanEvents(summary.scanId)).filter((e) => e.type === "ExposureReportFailed").map((e) => e.data as ExposureReportFailed)
    expect(failed.map((f) => [f.attempt, f.retryInMs])).toEqual([[1, 20], [2, null]])
    const kept = failed[0]!.report!
    expect(kept.subject).toBe("[honeyhole] 1 new, 0 resolved exposed port(s)")
    expect(kept.text).toContain(`${ip}: ${port}/tcp (http-alt)`)

    const pending = await run(Effect.flatMap(EventStore, (store) => pendingReports(store, new Date())))
    expect(pending.filter((p) => p.scanId === summary.scanId)).toMatchObject([{ failures: 2, inFlight: false }])

    const results = await run(Effect.flatMap(EventStore, (store) => resendPending(store, settings(smtp.port))))
    expect(results).toMatchObject([{ scanId: summary.scanId, outcome: "Sent" }])
    expect(smtp.mails.length - before).toBe(1)
    const mail = smtp.mails.at(-1)!
    expect(mail.to).toEqual(["noc@example.net"])
    expect(mail.body).toContain(`Subject: ${kept.subject}`)
    for (const line of kept.text.split("\n").filter((l) => l.trim() !== "")) expect(mail.body).toContain(line)
    expect(mail.body).toContain(`<b>${ip}</b>`)
    const types = (await scanEvents(summary.scanId)).map((e) => e.type)
    expect(types.slice(-1)).toEqual(["ExposureReportSent"])

    expect(await run(Effect.flatMap(EventStore, (store) => resendPending(store, settings(smtp.port))))).toEqual([])
    expect(smtp.mails.length - before).toBe(1)
  })

  it("relay refusing: a failed resend is recorded and the report stays pending until it is delivered once", async () => {
    const before = smtp.mails.length
    smtp.refuseNext(99)
    const { summary, outcome } = await scanAndMail(settings(smtp.port, 1))
    expect(outcome._tag).toBe("Failed")
    const again = await run(Effect.flatMap(EventStore, (store) => resendPending(store, settings(smtp.port))))
    expect(again).toMatchObject([{ scanId: summary.scanId, outcome: "Failed" }])
    const failures = (await scanEvents(summary.scanId)).filter((e) => e.type === "ExposureReportFailed").map((e) => e.data as { attempt: number; retryInMs: number | null; report: unknown })
    expect(failures.map((f) => [f.attempt, f.retryInMs, f.report === null])).toEqual([[1, null, false], [2, null, true]])
    smtp.refuseNext(0)
    expect(await run(Effect.flatMap(EventStore, (store) => resendPending(store, settings(smtp.port))))).toMatchObject([{ scanId: summary.scanId, outcome: "Sent" }])
    expect(await run(Effect.flatMap(EventStore, (store) => resendPending(store, settings(smtp.port))))).toEqual([])
    expect(smtp.mails.length - before).toBe(1)
  })

  it("leaves a report to the process still retrying it, and takes it over once that retry is overdue", async () => {
    const scanId = randomUUID()
    const report = { subject: "[honeyhole] 1 new, 0 resolved exposed port(s)", text: "in flight", html: "<p>in flight</p>", newFindings: 1, resolvedFindings: 0 }
    const at = new Date()
    await run(
      Effect.flatMap(EventStore, (store) =>
        store.append(`scan-${scanId}`, [envelope(new ExposureReportFailed({ scanId, attempt: 1, error: "451", retryInMs: 60_000, report }), { eventId: randomUUID(), at })], "any")
      )
    )
    const now = await run(Effect.flatMap(EventStore, (store) => pendingReports(store, at)))
    expect(now.find((p) => p.scanId === scanId)?.inFlight).toBe(true)
    const before = smtp.mails.length
    expect(await run(Effect.flatMap(EventStore, (store) => resendPending(store, settings(smtp.port))))).toMatchObject([{ scanId, outcome: "InFlight" }])
    expect(smtp.mails.length).toBe(before)
    const later = await run(Effect.flatMap(EventStore, (store) => pendingReports(store, new Date(at.getTime() + 60_000 + 5 * 60_000 + 1))))
    expect(later.find((p) => p.scanId === scanId)?.inFlight).toBe(false)
    // clean up for the next tests: deliver it
    await run(Effect.flatMap(EventStore, (store) => store.append(`scan-${scanId}`, [envelope(new ExposureReportFailed({ scanId, attempt: 2, error: "451", retryInMs: null }), { eventId: randomUUID(), at: new Date() })], "any")))
    expect(await run(Effect.flatMap(EventStore, (store) => resendPending(store, settings(smtp.port))))).toMatchObject([{ scanId, outcome: "Sent" }])
    expect(smtp.mails.at(-1)!.body).toContain("in flight")
  })

  it("the exposure actor's loop re-sends at start-up, backs off while the relay refuses, and delivers once", async () => {
    const before = smtp.mails.length
    smtp.refuseNext(99)
    const { summary } = await scanAndMail(settings(smtp.port, 1))
    const fiber = runtime.runFork(Effect.flatMap(EventStore, (store) => resendLoop(store, settings(smtp.port), { every: "100 millis", cap: "400 millis" })))
    await new Promise((r) => setTimeout(r, 500))
    const refused = (await scanEvents(summary.scanId)).filter((e) => e.type === "ExposureReportFailed").length
    expect(refused).toBeGreaterThanOrEqual(3) // the scan's own failure + ≥ 2 rounds of the loop
    expect(refused).toBeLessThanOrEqual(5) // 0, 100, 300 ms (backing off), not one per 100 ms
    smtp.refuseNext(0)
    for (let i = 0; i < 100 && smtp.mails.length === before; i++) await new Promise((r) => setTimeout(r, 50))
    await new Promise((r) => setTimeout(r, 500))
    await runtime.runPromise(Fiber.interrupt(fiber))
    expect(smtp.mails.length - before).toBe(1)
    expect((await scanEvents(summary.scanId)).filter((e) => e.type === "ExposureReportSent")).toHaveLength(1)
  })

  it("`honeyhole exposure resend --json` delivers a pending report, then finds nothing to send", async () => {
    const before = smtp.mails.length
    const { summary } = await scanAndMail(settings(deadPort, 1))
    writeFileSync(
      join(cwd, "honeyhole.yaml"),
      `dataDir: ./data\nnotify:\n  smtp: { host: 127.0.0.1, port: ${smtp.port}, secure: false, user: null, pass: null }\n  from: honeyhole@localhost\n  to: [noc@example.net]\n`
    )
    const cli = (args: ReadonlyArray<string>) => promisify(execFile)(process.execPath, [bin, ...args], { cwd, timeout: 120_000 })
    const first = JSON.parse((await cli(["exposure", "resend", "--json"])).stdout) as Array<{ scanId: string; outcome: string; messageId: string | null }>
    expect(first).toMatchObject([{ scanId: summary.scanId, outcome: "Sent" }])
    expect(smtp.mails.length - before).toBe(1)
    expect(JSON.parse((await cli(["exposure", "resend", "--json"])).stdout)).toEqual([])
    expect((await cli(["exposure", "resend"])).stdout).toContain("no report mails pending")
    expect(smtp.mails.length - before).toBe(1)
  }, 120_000)
})
