/**
 * `tftp` (UDP, RFC 1350 with RFC 2347–2349 options): RRQ/WRQ parsed into facts
 * (filename, mode, options); reads answered with a small decoy file or "File not found";
 * writes accepted and the upload captured (capped) — attackers push scripts with
 * `busybox tftp` (seed ch. 5.2). A client's ACK of our DATA (or of our OACK) proves it
 * receives our replies: ContactVerified "tftp-ack".
 *
 * Replies leave from the listening port rather than a fresh TID port (RFC 1350 §4);
 * tftp-hpa and BusyBox take whichever port answers first as the server's TID.
 *
 * Options: files ({ name: content } decoys; default: a router's configs), replyRatio (2,
 * keep ≤ sensor.limits.udp.replyRatio), uploadCap (4096 bytes kept in facts), maxUpload
 * (16 MiB, then "Disk full").
 */
import type { DatagramPlugin, PluginEntry, SessionContext } from "../../Plugin.js"
import { optionNumber } from "../../Plugin.js"
import { tftpSession } from "./session.js"

/** decoys small enough that the reply budget of a typical RRQ pays for them */
export const defaultDecoys: Readonly<Record<string, string>> = {
  "startup-config": "!\nhostname cpe\n!\nend\n",
  "running-config": "!\nhostname cpe\n!\nend\n"
}

const filesOf = (ctx: SessionContext): ReadonlyMap<string, string> => {
  const configured = ctx.options["files"]
  const entries =
    typeof configured === "object" && configured !== null && !Array.isArray(configured)
      ? Object.entries(configured).filter((e): e is [string, string] => typeof e[1] === "string")
      : Object.entries(defaultDecoys)
  return new Map(entries.map(([name, content]) => [name.replace(/^\/+/, ""), content]))
}

const tftpUdp: DatagramPlugin = {
  kind: "datagram",
  name: "tftp",
  session: (ctx) =>
    tftpSession({
      files: filesOf(ctx),
      replyRatio: optionNumber(ctx, "replyRatio", 2),
      uploadCap: optionNumber(ctx, "uploadCap", 4096),
      maxUpload: optionNumber(ctx, "maxUpload", 16 * 1024 * 1024)
    })
}

export const tftp: PluginEntry = { udp: tftpUdp, description: "TFTP server: decoy downloads, uploads captured (capped), ACK of our DATA as proof" }
