/** A real SMTP server (the `smtp-server` package) on 127.0.0.1 that keeps what it receives. */
import { SMTPServer } from "smtp-server"
import type { AddressInfo } from "node:net"

export interface ReceivedMail {
  readonly from: string
  readonly to: ReadonlyArray<string>
  /** the raw message, quoted-printable soft breaks and escapes decoded */
  readonly body: string
}

export interface TestSmtp {
  readonly port: number
  readonly mails: Array<ReceivedMail>
  /** the next `n` messages are refused with a 451 */
  refuseNext: (n: number) => void
  readonly close: () => Promise<void>
}

const decodeQuotedPrintable = (raw: string) =>
  raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))

export const startSmtp = async (): Promise<TestSmtp> => {
  const mails: Array<ReceivedMail> = []
  let refuse = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Array<Buffer> = []
      stream.on("data", (c: Buffer) => chunks.push(c))
      stream.on("end", () => {
        if (refuse > 0) {
          refuse--
          const error = Object.assign(new Error("try again later"), { responseCode: 451 })
          return callback(error)
        }
        mails.push({
          from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          body: decodeQuotedPrintable(Buffer.concat(chunks).toString("utf8"))
        })
        callback()
      })
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const address = server.server.address() as AddressInfo
  return {
    port: address.port,
    mails,
    refuseNext: (n) => {
      refuse = n
    },
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}
