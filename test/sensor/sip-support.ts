/** Helpers for the SIP suites: a UDP client that keeps its port, parsed replies, event lookups. */
import { execFile } from "node:child_process"
import { createSocket } from "node:dgram"
import { decode, header } from "../../adapters/sensor/sip/message.js"
import type { SipResponse } from "../../adapters/sensor/sip/message.js"
import type { DomainEvent } from "../../domain/events/index.js"
import { sleep } from "../support/converse.js"
import type { RunningSensor } from "../support/sensor.js"

export interface UdpClient {
  readonly port: number
  readonly send: (text: string | Uint8Array) => void
  /** sends, then returns every datagram that arrives within `waitMs` */
  readonly exchange: (text: string | Uint8Array, waitMs?: number) => Promise<Array<Buffer>>
  readonly close: () => void
}

export const udpClient = (serverPort: number): Promise<UdpClient> =>
  new Promise((resolve, reject) => {
    const socket = createSocket("udp4")
    let inbox: Array<Buffer> = []
    socket.on("message", (m) => inbox.push(m))
    socket.once("error", reject)
    socket.bind(0, "127.0.0.1", () => {
      const send = (text: string | Uint8Array) => socket.send(typeof text === "string" ? Buffer.from(text) : text, serverPort, "127.0.0.1")
      resolve({
        port: socket.address().port,
        send,
        exchange: async (text, waitMs = 250) => {
          inbox = []
          send(text)
          await sleep(waitMs)
          return inbox
        },
        close: () => socket.close()
      })
    })
  })

export const response = (bytes: Uint8Array): SipResponse => {
  const d = decode(bytes)
  if (!d.ok || d.message.kind !== "response") throw new Error(`not a SIP response: ${Buffer.from(bytes).toString()}`)
  return d.message
}

export const statusLines = (replies: ReadonlyArray<Uint8Array>): Array<string> => replies.map((r) => Buffer.from(r).toString().split("\r\n")[0] ?? "")

export const headerOf = (bytes: Uint8Array, name: string): string => header(response(bytes), name) ?? ""

type Event<T extends DomainEvent["_tag"]> = Extract<DomainEvent, { _tag: T }>

/** the PayloadReceived events whose facts say `method` (in any order of arrival) */
export const received = async (sensor: RunningSensor, method: string): Promise<Array<Record<string, unknown>>> =>
  (await sensor.ofType("PayloadReceived")).map((e) => e.facts).filter((f) => f["method"] === method)

export const credentials = async (sensor: RunningSensor): Promise<ReadonlyArray<Event<"CredentialsTried">>> => sensor.ofType("CredentialsTried")

export interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** runs a real client to completion (it only ever talks to 127.0.0.1) */
export const run = (file: string, args: ReadonlyArray<string>, options: { readonly cwd?: string; readonly timeoutMs?: number } = {}): Promise<Ran> =>
  new Promise((resolve) => {
    execFile(file, [...args], { cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, env: { ...process.env, HOME: options.cwd ?? process.env["HOME"] } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
      resolve({ code, stdout: String(stdout), stderr: String(stderr) })
    })
  })
