/** The sensor's record of what an attacker did: stream `attacker-<ip>`. */
import { Schema } from "effect"
import { Facts, IpAddress, Port, Transport } from "./common.js"

const session = {
  sessionId: Schema.String,
  sensor: Schema.String,
  service: Schema.String
}

export class ContactOpened extends Schema.TaggedClass<ContactOpened>()("ContactOpened", {
  ...session,
  plugin: Schema.String,
  transport: Transport,
  sourceIp: IpAddress,
  sourcePort: Port,
  localIp: IpAddress,
  localPort: Port,
  publicPort: Port
}) {}

/** Payload bytes are capped per event: hex and printable text cut at the cap, `truncated` says so. */
const payload = {
  ...session,
  length: Schema.NonNegativeInt,
  md5: Schema.String,
  hex: Schema.String,
  text: Schema.String,
  truncated: Schema.Boolean,
  facts: Facts
}

export class PayloadReceived extends Schema.TaggedClass<PayloadReceived>()("PayloadReceived", payload) {}
export class PayloadSent extends Schema.TaggedClass<PayloadSent>()("PayloadSent", payload) {}

export class CredentialsTried extends Schema.TaggedClass<CredentialsTried>()("CredentialsTried", {
  ...session,
  username: Schema.String,
  password: Schema.NullOr(Schema.String),
  /** password, publickey, sip-digest, auth-login, auth-plain, mysql-native… */
  method: Schema.String,
  detail: Schema.optionalWith(Facts, { default: () => ({}) })
}) {}

/** A UDP source proved it receives our replies, so it is not a spoofed address. */
export class ContactVerified extends Schema.TaggedClass<ContactVerified>()("ContactVerified", {
  ...session,
  transport: Transport,
  proof: Schema.Literal("sip-nonce-echo", "tftp-ack", "dns-tcp-retry", "tcp-handshake")
}) {}

export class ContactClosed extends Schema.TaggedClass<ContactClosed>()("ContactClosed", {
  ...session,
  durationMs: Schema.NonNegativeInt,
  bytesIn: Schema.NonNegativeInt,
  bytesOut: Schema.NonNegativeInt,
  reason: Schema.String
}) {}

export const ContactEvent = Schema.Union(
  ContactOpened,
  PayloadReceived,
  PayloadSent,
  CredentialsTried,
  ContactVerified,
  ContactClosed
)
export type ContactEvent = typeof ContactEvent.Type
