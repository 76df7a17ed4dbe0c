/**
 * One TFTP transfer (one source ip:port) as a state machine over decoded packets.
 *
 * Reads (RRQ) get a decoy file or "File not found"; writes (WRQ) are accepted and the
 * upload is kept in memory only up to `uploadCap` bytes for the facts — the payload
 * events keep the rest, capped — and nothing is written anywhere.
 *
 * The listener's reply budget allows ≈ replyRatio × request bytes back per source, and
 * an ACK is 4 bytes, so after the request only ~8 bytes of budget arrive per ACK: a
 * download can only ever be one small DATA block. The decoy is therefore cut to what
 * the request pays for and always fits a single block (the transfer ends with it).
 */
import { createHash } from "node:crypto"
import type { Hash } from "node:crypto"
import type { Facts, Step } from "../../Plugin.js"
import { decode, encode, ErrorCode, TftpDecodeError, toNetascii } from "./codec.js"
import type { TftpPacket } from "./codec.js"

export interface TftpOptions {
  /** decoy files by name (a leading "/" is ignored) */
  readonly files: ReadonlyMap<string, string>
  readonly replyRatio: number
  /** upload bytes kept in the facts */
  readonly uploadCap: number
  /** uploads beyond this are refused with "Disk full" */
  readonly maxUpload: number
}

type State =
  | { readonly kind: "idle" }
  | { readonly kind: "reading"; readonly filename: string; readonly reply: Uint8Array; readonly data: Uint8Array; sentData: boolean }
  | {
      readonly kind: "writing"
      readonly filename: string
      readonly blksize: number
      readonly lastReply: Uint8Array
      expected: number
      total: number
      readonly md5: Hash
      readonly sha256: Hash
      readonly kept: Array<Buffer>
      keptBytes: number
    }

type Request = Extract<TftpPacket, { op: "RRQ" | "WRQ" }>

const defaultBlksize = 512
/** names in facts: a request may be as long as a datagram */
const clip = (text: string) => text.slice(0, 512)
const modes = new Set(["netascii", "octet"])

/** RFC 2348/2349/2347: the options we acknowledge in an OACK, and their accepted values */
const negotiate = (requested: Readonly<Record<string, string>>, size: number | null): Record<string, string> => {
  const accepted: Record<string, string> = {}
  const blksize = Number(requested["blksize"])
  if (Number.isInteger(blksize) && blksize >= 8) accepted["blksize"] = String(Math.min(blksize, 1468))
  const timeout = Number(requested["timeout"])
  if (Number.isInteger(timeout) && timeout >= 1 && timeout <= 255) accepted["timeout"] = String(timeout)
  if (requested["tsize"] !== undefined && /^\d+$/.test(requested["tsize"])) accepted["tsize"] = String(size ?? requested["tsize"])
  return accepted
}

export const tftpSession = (options: TftpOptions) => {
  let state: State = { kind: "idle" }
  const error = (code: number, message: string, close: string, facts: Facts): Step => ({
    send: [encode({ op: "ERROR", code, message })],
    facts,
    sentFacts: { op: "ERROR", code, message },
    close
  })

  const read = (p: Request, requestLength: number, facts: Facts): Step => {
    const decoy = options.files.get(p.filename.replace(/^\/+/, ""))
    if (decoy === undefined) return error(ErrorCode.FILE_NOT_FOUND, "File not found", "file-not-found", { ...facts, served: false })
    if (!modes.has(p.mode)) return error(ErrorCode.ILLEGAL_OPERATION, "Illegal TFTP operation", "bad-mode", facts)
    let content: Uint8Array = Buffer.from(decoy, "latin1")
    if (p.mode === "netascii") content = toNetascii(content)
    const accepted = negotiate(p.options, content.length)
    const oack = Object.keys(accepted).length > 0 ? encode({ op: "OACK", options: accepted }) : null
    const blksize = Number(accepted["blksize"] ?? defaultBlksize)
    // what the request (and, after an OACK, the client's 4-byte ACK 0) pays for
    const budget = Math.floor(options.replyRatio * requestLength) - (oack === null ? 0 : oack.length - Math.floor(options.replyRatio * 4)) - 4
    let room = Math.max(0, Math.min(budget, blksize - 1, content.length))
    if (p.mode === "netascii" && room > 0 && content[room - 1] === 0x0d) room-- // never split a CR LF / CR NUL
    const data = content.subarray(0, room)
    const dataPacket = encode({ op: "DATA", block: 1, data })
    state = { kind: "reading", filename: p.filename, reply: oack ?? dataPacket, data: dataPacket, sentData: oack === null }
    return {
      send: [oack ?? dataPacket],
      facts: { ...facts, served: true },
      sentFacts: oack === null ? { op: "DATA", block: 1, bytes: data.length, truncated: data.length < content.length } : { op: "OACK", options: accepted }
    }
  }

  const write = (p: Request, facts: Facts): Step => {
    if (!modes.has(p.mode)) return error(ErrorCode.ILLEGAL_OPERATION, "Illegal TFTP operation", "bad-mode", facts)
    const accepted = negotiate(p.options, null)
    const reply = Object.keys(accepted).length > 0 ? encode({ op: "OACK", options: accepted }) : encode({ op: "ACK", block: 0 })
    state = {
      kind: "writing",
      filename: p.filename,
      blksize: Number(accepted["blksize"] ?? defaultBlksize),
      lastReply: reply,
      expected: 1,
      total: 0,
      md5: createHash("md5"),
      sha256: createHash("sha256"),
      kept: [],
      keptBytes: 0
    }
    return { send: [reply], facts, sentFacts: Object.keys(accepted).length > 0 ? { op: "OACK", options: accepted } : { op: "ACK", block: 0 } }
  }

  const upload = (s: Extract<State, { kind: "writing" }>, data: Uint8Array, facts: Facts): Step => {
    if (data.length > s.blksize) return error(ErrorCode.ILLEGAL_OPERATION, "Illegal TFTP operation", "oversize-block", facts)
    s.total += data.length
    if (s.total > options.maxUpload) return error(ErrorCode.DISK_FULL, "Disk full or allocation exceeded", "upload-too-large", facts)
    s.md5.update(data)
    s.sha256.update(data)
    const keep = Math.min(data.length, options.uploadCap - s.keptBytes)
    if (keep > 0) {
      s.kept.push(Buffer.from(data.subarray(0, keep)))
      s.keptBytes += keep
    }
    const ack = encode({ op: "ACK", block: s.expected })
    const sentFacts = { op: "ACK", block: s.expected }
    s.expected = (s.expected + 1) & 0xffff
    if (data.length === s.blksize) return { send: [ack], facts, sentFacts }
    // a short block ends the transfer (RFC 1350 §6)
    const upload = {
      filename: s.filename,
      bytes: s.total,
      md5: s.md5.digest("hex"),
      sha256: s.sha256.digest("hex"),
      content: Buffer.concat(s.kept).toString("latin1"),
      truncated: s.total > s.keptBytes
    }
    state = { kind: "idle" }
    return { send: [ack], facts: { ...facts, upload }, sentFacts, close: "upload-complete" }
  }

  const datagram = (packet: Uint8Array): Step => {
    let p: TftpPacket
    try {
      p = decode(packet)
    } catch (e) {
      const malformed = e instanceof TftpDecodeError ? e.message : "undecodable"
      return error(ErrorCode.ILLEGAL_OPERATION, "Illegal TFTP operation", "malformed", { malformed })
    }
    const s = state
    switch (p.op) {
      case "RRQ":
      case "WRQ": {
        const options = Object.fromEntries(Object.entries(p.options).map(([k, v]) => [clip(k), clip(v)]))
        const facts: Facts = { op: p.op, filename: clip(p.filename), mode: clip(p.mode), options }
        // a retransmitted request: our reply was lost (or withheld by the reply budget)
        if (s.kind === "reading" && p.op === "RRQ" && p.filename === s.filename) return { send: [s.reply], facts, sentFacts: { retransmit: true } }
        if (s.kind === "writing" && p.op === "WRQ" && p.filename === s.filename && s.expected === 1) return { send: [s.lastReply], facts, sentFacts: { retransmit: true } }
        if (s.kind !== "idle") return error(ErrorCode.ILLEGAL_OPERATION, "Illegal TFTP operation", "request-mid-transfer", facts)
        return p.op === "RRQ" ? read(p, packet.length, facts) : write(p, facts)
      }
      case "ACK": {
        const facts: Facts = { op: "ACK", block: p.block }
        if (s.kind !== "reading") return error(ErrorCode.UNKNOWN_TID, "Unknown transfer ID", "unexpected-ack", facts)
        if (p.block === 0 && !s.sentData) {
          // the ACK of our OACK (RFC 2347): it too proves the source reads our replies
          s.sentData = true
          return { send: [s.data], facts, sentFacts: { op: "DATA", block: 1, bytes: s.data.length - 4 }, verified: "tftp-ack" }
        }
        if (p.block === 1 && s.sentData) return { facts, verified: "tftp-ack", close: "transfer-complete" }
        return { facts } // a duplicate ACK is ignored (RFC 1123 §4.2.3.1: no Sorcerer's Apprentice)
      }
      case "DATA": {
        const facts: Facts = { op: "DATA", block: p.block, bytes: p.data.length }
        if (s.kind !== "writing") return error(ErrorCode.UNKNOWN_TID, "Unknown transfer ID", "unexpected-data", facts)
        if (p.block === s.expected) return upload(s, p.data, facts)
        // the previous block again: our ACK was lost, ACK it again
        if (p.block === ((s.expected - 1) & 0xffff)) return { send: [encode({ op: "ACK", block: p.block })], facts, sentFacts: { op: "ACK", block: p.block } }
        return { facts }
      }
      case "ERROR":
        return { facts: { op: "ERROR", code: p.code, message: p.message.slice(0, 256) }, close: "client-error" }
      case "OACK":
        return error(ErrorCode.ILLEGAL_OPERATION, "Illegal TFTP operation", "unexpected-oack", { op: "OACK" })
    }
  }

  return { datagram }
}
