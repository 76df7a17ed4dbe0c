/**
 * NOTIFICATION error codes and subcodes (RFC 4271 §4.5 and §6, RFC 4486 for Cease,
 * RFC 6608 for FSM errors, RFC 7313 for ROUTE-REFRESH) and the typed error every
 * decoder returns: a decode failure already knows which NOTIFICATION it deserves.
 */
import { Data } from "effect"

export const ErrorCode = {
  MessageHeader: 1,
  Open: 2,
  Update: 3,
  HoldTimerExpired: 4,
  Fsm: 5,
  Cease: 6,
  RouteRefresh: 7
} as const

export const HeaderSubcode = { NotSynchronized: 1, BadLength: 2, BadType: 3 } as const

export const OpenSubcode = {
  UnsupportedVersion: 1,
  BadPeerAs: 2,
  BadBgpIdentifier: 3,
  UnsupportedOptionalParameter: 4,
  UnacceptableHoldTime: 6,
  UnsupportedCapability: 7
} as const

export const UpdateSubcode = {
  MalformedAttributeList: 1,
  UnrecognizedWellKnownAttribute: 2,
  MissingWellKnownAttribute: 3,
  AttributeFlagsError: 4,
  AttributeLengthError: 5,
  InvalidOrigin: 6,
  InvalidNextHop: 8,
  OptionalAttributeError: 9,
  InvalidNetworkField: 10,
  MalformedAsPath: 11
} as const

/** RFC 6608: which state received the unexpected message. */
export const FsmSubcode = { UnexpectedInOpenSent: 1, UnexpectedInOpenConfirm: 2, UnexpectedInEstablished: 3 } as const

/** RFC 4486 */
export const CeaseSubcode = {
  MaxPrefixes: 1,
  AdministrativeShutdown: 2,
  PeerDeconfigured: 3,
  AdministrativeReset: 4,
  ConnectionRejected: 5,
  OtherConfigurationChange: 6,
  ConnectionCollision: 7,
  OutOfResources: 8
} as const

const codeNames: Record<number, string> = {
  1: "message header error",
  2: "OPEN message error",
  3: "UPDATE message error",
  4: "hold timer expired",
  5: "finite state machine error",
  6: "cease",
  7: "ROUTE-REFRESH message error"
}

const subcodeNames: Record<number, Record<number, string>> = {
  1: { 1: "connection not synchronized", 2: "bad message length", 3: "bad message type" },
  2: {
    1: "unsupported version number",
    2: "bad peer AS",
    3: "bad BGP identifier",
    4: "unsupported optional parameter",
    6: "unacceptable hold time",
    7: "unsupported capability"
  },
  3: {
    1: "malformed attribute list",
    2: "unrecognized well-known attribute",
    3: "missing well-known attribute",
    4: "attribute flags error",
    5: "attribute length error",
    6: "invalid ORIGIN attribute",
    8: "invalid NEXT_HOP attribute",
    9: "optional attribute error",
    10: "invalid network field",
    11: "malformed AS_PATH"
  },
  5: { 1: "unexpected message in OpenSent", 2: "unexpected message in OpenConfirm", 3: "unexpected message in Established" },
  6: {
    1: "maximum number of prefixes reached",
    2: "administrative shutdown",
    3: "peer de-configured",
    4: "administrative reset",
    5: "connection rejected",
    6: "other configuration change",
    7: "connection collision resolution",
    8: "out of resources"
  },
  7: { 1: "invalid message length" }
}

/** "cease/administrative shutdown" — for logs and PeerSessionLost reasons. */
export const describeNotification = (code: number, subcode: number): string => {
  const name = codeNames[code] ?? `error code ${code}`
  const sub = subcodeNames[code]?.[subcode] ?? (subcode === 0 ? undefined : `subcode ${subcode}`)
  return sub === undefined ? name : `${name}/${sub}`
}

const empty = new Uint8Array(0)

/**
 * A received message that must be answered with NOTIFICATION `code/subcode`
 * carrying `data` (RFC 4271 §6 says what data each error carries).
 */
export class BgpMessageError extends Data.TaggedError("BgpMessageError")<{
  readonly code: number
  readonly subcode: number
  readonly data: Uint8Array
  /** what was wrong, for logs; never sent */
  readonly reason: string
}> {
  override get message(): string {
    return `${describeNotification(this.code, this.subcode)}: ${this.reason}`
  }
}

export const messageError = (code: number, subcode: number, reason: string, data: Uint8Array = empty): BgpMessageError =>
  new BgpMessageError({ code, subcode, data, reason })

export const u16Bytes = (n: number): Uint8Array => new Uint8Array([(n >>> 8) & 0xff, n & 0xff])
