/**
 * SMTP command lines (RFC 5321 §4.1) and SASL payloads (RFC 4954, RFC 4616), as
 * Postfix reads and answers them. Pure functions: the session lives in the plugin.
 */

export interface Command {
  /** upper-cased verb */
  readonly verb: string
  readonly arg: string
}

export const parseCommand = (line: string): Command => {
  const trimmed = line.replace(/^\s+/, "")
  const space = trimmed.search(/\s/)
  return space < 0 ? { verb: trimmed.toUpperCase(), arg: "" } : { verb: trimmed.slice(0, space).toUpperCase(), arg: trimmed.slice(space + 1).trim() }
}

export interface MailPath {
  readonly address: string
  readonly params: Readonly<Record<string, string>>
}

/**
 * `MAIL FROM:<a@b> SIZE=10` / `RCPT TO:<c@d>`: Postfix also accepts the address
 * without brackets and a space after the colon (strict_rfc821_envelopes = no).
 */
export const parsePath = (arg: string, keyword: "FROM" | "TO"): MailPath | null => {
  const m = new RegExp(`^${keyword}:\\s*(<[^>]*>|[^\\s<>]+)(.*)$`, "i").exec(arg)
  if (m === null) return null
  const params: Record<string, string> = {}
  for (const p of m[2]!.trim().split(/\s+/).filter((s) => s !== "").slice(0, 16)) {
    const eq = p.indexOf("=")
    params[(eq < 0 ? p : p.slice(0, eq)).toUpperCase()] = eq < 0 ? "" : p.slice(eq + 1)
  }
  return { address: m[1]!.replace(/^<|>$/g, ""), params }
}

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** strict base64 (a client answering in clear text is an error, as in Postfix), decoded as UTF-8 */
export const decodeBase64 = (text: string): string | null => {
  const t = text.trim()
  return base64.test(t) ? Buffer.from(t, "base64").toString("utf8") : null
}

export const encodeBase64 = (text: string) => Buffer.from(text, "utf8").toString("base64")

/** RFC 4616: [authzid] NUL authcid NUL passwd */
export const decodePlain = (text: string): { authzid: string; username: string; password: string } | null => {
  const decoded = decodeBase64(text)
  const parts = decoded?.split("\0")
  if (parts?.length !== 3) return null
  return { authzid: parts[0]!, username: parts[1]!, password: parts[2]! }
}

/** Postfix's long queue ids (enable_long_queue_ids = yes): base-52 time and a counter, like "4ZK2xq5Jt3z1mN" */
export const queueId = (now = Date.now(), random = Math.random): string => {
  const digits = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"
  let seconds = Math.floor(now / 1000)
  let id = ""
  while (seconds > 0) {
    id = digits[seconds % 52]! + id
    seconds = Math.floor(seconds / 52)
  }
  for (let i = 0; i < 5; i++) id += digits[Math.floor(random() * 52)]
  return `${id}z${digits[Math.floor(random() * 52)]}`
}

/** A multi-line reply (RFC 5321 §4.2.1): "250-first", …, "250 last". */
export const reply = (code: number, lines: ReadonlyArray<string>): string =>
  lines.map((l, i) => `${code}${i === lines.length - 1 ? " " : "-"}${l}\r\n`).join("")

export const maxMessageSize = 10_240_000

/**
 * What Postfix 3.7 on Debian says to EHLO with SASL enabled, minus STARTTLS (no TLS
 * here), CHUNKING (no BDAT) and ETRN.
 */
export const ehloReply = (hostname: string): string =>
  reply(250, [hostname, "PIPELINING", `SIZE ${maxMessageSize}`, "VRFY", "AUTH PLAIN LOGIN", "AUTH=PLAIN LOGIN", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8"])
