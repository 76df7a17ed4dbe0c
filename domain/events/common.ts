import { Schema } from "effect"
import { isIp } from "../ip.js"

/** An IP address as text (canonical when produced through `canonicalIp`). */
export const IpAddress = Schema.String.pipe(
  Schema.filter((s) => isIp(s) || `expected an IPv4 or IPv6 address, got ${JSON.stringify(s)}`),
  Schema.annotations({ identifier: "IpAddress" })
)

/** A CIDR prefix such as 203.0.113.7/32 or 2001:db8::1/128. */
export const Prefix = Schema.String.pipe(
  Schema.filter((s) => {
    const slash = s.lastIndexOf("/")
    if (slash < 0 || !isIp(s.slice(0, slash))) return `expected a CIDR prefix, got ${JSON.stringify(s)}`
    const len = Number(s.slice(slash + 1))
    const max = s.includes(":") ? 128 : 32
    return (Number.isInteger(len) && len >= 0 && len <= max) || `prefix length out of range in ${s}`
  }),
  Schema.annotations({ identifier: "Prefix" })
)

export const Port = Schema.Int.pipe(Schema.between(0, 65535), Schema.annotations({ identifier: "Port" }))
export const Transport = Schema.Literal("tcp", "udp")
export type Transport = typeof Transport.Type

/** Event time as an ISO-8601 string on the wire, a Date in memory. */
export const Timestamp = Schema.Date

/** Parsed protocol facts attached to payload events (SIP method, dialled number, URLs…). */
export const Facts = Schema.Record({ key: Schema.String, value: Schema.Unknown })
