/** Sends one message over SMTP with nodemailer (a fresh connection per message: reports are rare). */
import { Data, Effect } from "effect"
import { createTransport } from "nodemailer"

export interface SmtpOptions {
  readonly host: string
  readonly port: number
  readonly secure: boolean
  readonly user: string | null
  readonly pass: string | null
  /** per-connection timeouts, so a dead relay fails an attempt instead of hanging it */
  readonly timeoutMs?: number
}

export interface MailMessage {
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly text: string
  readonly html: string
}

export class MailError extends Data.TaggedError("MailError")<{ readonly reason: "Send"; readonly message: string; readonly cause: unknown }> {}

export const sendMail = (smtp: SmtpOptions, message: MailMessage): Effect.Effect<{ readonly messageId: string }, MailError> =>
  Effect.acquireUseRelease(
    Effect.sync(() =>
      createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        ...(smtp.user === null ? {} : { auth: { user: smtp.user, pass: smtp.pass ?? "" } }),
        connectionTimeout: smtp.timeoutMs ?? 10_000,
        greetingTimeout: smtp.timeoutMs ?? 10_000,
        socketTimeout: (smtp.timeoutMs ?? 10_000) * 3
      })
    ),
    (transport) =>
      Effect.tryPromise({
        try: () => transport.sendMail({ from: message.from, to: [...message.to], subject: message.subject, text: message.text, html: message.html }),
        catch: (cause) => new MailError({ reason: "Send", message: cause instanceof Error ? cause.message : String(cause), cause })
      }).pipe(Effect.map((info) => ({ messageId: String(info.messageId) }))),
    (transport) => Effect.sync(() => transport.close())
  )
