/** Runs a real client program (curl, swaks, mysql) against a loopback listener and collects its output. */
import { spawn } from "node:child_process"
import type { DecodedEvent } from "../../domain/events/index.js"

export interface ClientRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export const runClient = (command: string, args: ReadonlyArray<string>, options: { input?: string; timeoutMs?: number } = {}): Promise<ClientRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000)
    child.once("error", reject)
    child.once("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(options.input ?? "")
  })

/** facts of every PayloadReceived, in order */
export const receivedFacts = (events: ReadonlyArray<DecodedEvent>): Array<Readonly<Record<string, unknown>>> =>
  events.flatMap((e) => (e.event._tag === "PayloadReceived" ? [e.event.facts] : []))
