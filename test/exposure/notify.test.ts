/** The report mail, delivered to a real SMTP server (smtp-server on 127.0.0.1, started by the test). */
import { Effect, ManagedRuntime, Stream } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import { EventStore } from "../../domain/EventStore.js"
import { importScan } from "../../src/exposure/import.js"
import { sendScanReport } from "../../src/exposure/notify.js"
import type { NotifySettings } from "../../src/exposure/notify.js"
import { changeInventory } from "../../src/inventory/commands.js"
import { freeTcpPort } from "../support/free-port.js"
import { startSmtp } from "./smtp.js"
import type { TestSmtp } from "./smtp.js"
import { writeReport } from "./support.js"

describe("exposure report mail (real SMTP server on 127.0.0.1)", () => {
  const dir = mkdtempSync(join(tmpdir(), "hh-notify-"))
  let runtime: ManagedRuntime.ManagedRuntime<EventStore, unknown>
  let smtp: TestSmtp
  const run = <A, E>(e: Effect.Effect<A, E, EventStore>) => runtime.runPromise(e)
  const settings = (port: number, attempts = 3): NotifySettings => ({
    smtp: { host: "127.0.0.1", port, secure: false, user: null, pass: null, timeoutMs: 2000 },
    from: "honeyhole@localhost",
    to: ["noc@example.net"],
    attempts,
    backoff: "20 millis"
  })
  const importAndNotify = (file: string, s: NotifySettings) =>
    run(
      Effect.gen(function* () {
        const store = yield* EventStore
        const summary = yield* importScan(store, file, { source: "file", udpOpenFiltered: false })
        const outcome = yield* sendScanReport(store, summary, s)
        const scanEvents = yield* Stream.runCollect(store.readStream(`scan-${summary.scanId}`))
        return { summary, outcome, scanEvents: [...scanEvents] }
      })
    )

  beforeAll(async () => {
    smtp = await startSmtp()
    runtime = ManagedRuntime.make(Embedded.layer({ filename: join(dir, "events.sqlite") }))
    await run(
      Effect.flatMap(EventStore, (store) =>
        changeInventory(store, () => [
          { _tag: "DefineHostType", name: "servidores web", description: "" },
          { _tag: "DefineHostType", name: "telefonia", description: "" },
          { _tag: "RegisterHost", ip: "192.0.2.10", hostType: "servidores web", name: null },
          { _tag: "RegisterHost", ip: "192.0.2.20", hostType: "telefonia", name: null },
          { _tag: "DeclarePortRange", min: 80, max: 80, transport: "tcp", description: "HTTP", plugin: null },
          { _tag: "AssignPortRange", range: "80/tcp", hostType: "servidores web" }
        ])
      )
    )
  })
  afterAll(async () => {
    await runtime?.dispose()
    await smtp?.close()
  })

  it("sends one mail with new findings grouped by host type and host, text and HTML", async () => {
    const file = writeReport(join(dir, "d1.xml"), [
      { ip: "192.0.2.10", ports: [{ port: 80 }, { port: 22, service: "ssh" }, { port: 3306, service: "mysql" }] },
      { ip: "192.0.2.20", ports: [{ port: 23, service: "telnet" }] },
      { ip: "192.0.2.99", ports: [{ port: 445, service: "microsoft-ds" }] }
    ])
    const { outcome, scanEvents } = await importAndNotify(file, settings(smtp.port))
    expect(outcome._tag).toBe("Sent")
    expect(smtp.mails).toHaveLength(1)
    const mail = smtp.mails[0]!
    expect(mail.to).toEqual(["noc@example.net"])
    expect(mail.body).toContain("Subject: [honeyhole] 4 new, 0 resolved exposed port(s)")
    expect(mail.body).toContain("Content-Type: text/plain")
    expect(mail.body).toContain("Content-Type: text/html")
    expect(mail.body).toMatch(/servidores web\r?\n {4}192\.0\.2\.10: 22\/tcp \(ssh\), 3306\/tcp \(mysql\)/)
    expect(mail.body).toMatch(/telefonia\r?\n {4}192\.0\.2\.20: 23\/tcp \(telnet\)/)
    expect(mail.body).toMatch(/\(not in the inventory\)\r?\n {4}192\.0\.2\.99: 445\/tcp/)
    expect(mail.body).toContain("<b>192.0.2.10</b>")
    const sent = scanEvents.find((e) => e.type === "ExposureReportSent")
    expect(sent?.data).toMatchObject({ newFindings: 4, resolvedFindings: 0, to: ["noc@example.net"] })
    expect(outcome._tag === "Sent" && (sent?.data as { messageId: string }).messageId).toBe(outcome._tag === "Sent" ? outcome.messageId : "")
  })

  it("sends nothing when nothing changed", async () => {
    const file = writeReport(join(dir, "d2.xml"), [
      { ip: "192.0.2.10", ports: [{ port: 80 }, { port: 22 }, { port: 3306 }] },
      { ip: "192.0.2.20", ports: [{ port: 23 }] },
      { ip: "192.0.2.99", ports: [{ port: 445 }] }
    ])
    const { outcome, scanEvents } = await importAndNotify(file, settings(smtp.port))
    expect(outcome._tag).toBe("Unchanged")
    expect(smtp.mails).toHaveLength(1)
    expect(scanEvents.map((e) => e.type)).toEqual(["ScanStarted", "ScanCompleted"])
  })

  it("retries a refusing relay with backoff, recording each failure, then reports resolved findings", async () => {
    smtp.refuseNext(2)
    const file = writeReport(join(dir, "d3.xml"), [
      { ip: "192.0.2.10", ports: [{ port: 80 }, { port: 22 }] },
      { ip: "192.0.2.20", ports: [{ port: 23 }] },
      { ip: "192.0.2.99", ports: [{ port: 445 }] }
    ], "1-65535") // a full scan: 3306 is covered, so its absence resolves the finding
    const { outcome, scanEvents } = await importAndNotify(file, settings(smtp.port))
    expect(outcome).toMatchObject({ _tag: "Sent", attempts: 3 })
    expect(scanEvents.map((e) => e.type)).toEqual(["ScanStarted", "ScanCompleted", "ExposureReportFailed", "ExposureReportFailed", "ExposureReportSent"])
    expect(scanEvents[2]?.data).toMatchObject({ attempt: 1, retryInMs: 20 })
    expect(scanEvents[3]?.data).toMatchObject({ attempt: 2, retryInMs: 40 })
    expect(smtp.mails).toHaveLength(2)
    expect(smtp.mails[1]!.body).toMatch(/Resolved \(1\)[\s\S]*192\.0\.2\.10: 3306\/tcp \(closed\)/)
  })

  it("records the final failure when the relay is unreachable", async () => {
    const deadPort = await freeTcpPort()
    const file = writeReport(join(dir, "d4.xml"), [{ ip: "192.0.2.10", ports: [{ port: 80 }, { port: 22 }, { port: 8443 }] }])
    const { outcome, scanEvents } = await importAndNotify(file, settings(deadPort, 2))
    expect(outcome).toMatchObject({ _tag: "Failed", attempts: 2 })
    expect(scanEvents.filter((e) => e.type === "ExposureReportFailed").map((e) => (e.data as { retryInMs: number | null }).retryInMs)).toEqual([20, null])
  })
})
