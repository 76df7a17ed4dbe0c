/**
 * OPEN (RFC 4271 §4.2) with capabilities as optional parameter type 2 (RFC 5492),
 * and the RFC 9072 extended optional-parameters length on decode.
 */
import { Either } from "effect"
import { capabilityLength, decodeCapabilities, writeCapability } from "./capabilities.js"
import type { Capability } from "./capabilities.js"
import { ErrorCode, messageError, OpenSubcode, u16Bytes } from "./errors.js"
import type { BgpMessageError } from "./errors.js"
import { HEADER_LENGTH, MessageType, readU16, readU32, writeHeader, writeU16, writeU32 } from "./header.js"

/** RFC 6793: what a 4-octet-AS speaker puts in the 2-byte My AS field when its AS does not fit. */
export const AS_TRANS = 23456

export interface Open {
  readonly version: number
  /** the 2-byte "My Autonomous System" field: AS_TRANS when the real AS needs 4 octets */
  readonly myAs: number
  readonly holdTime: number
  /** BGP identifier, dotted quad */
  readonly bgpId: string
  readonly capabilities: ReadonlyArray<Capability>
}

const CAPABILITIES_PARAMETER = 2

const paramsLength = (o: Open): number => {
  const caps = o.capabilities.reduce((n, c) => n + capabilityLength(c), 0)
  return caps === 0 ? 0 : 2 + caps
}

export const encodingLength = (o: Open): number => HEADER_LENGTH + 10 + paramsLength(o)

const idBytes = (id: string): Uint8Array | null => {
  const parts = id.split(".")
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255)) return null
  return new Uint8Array(parts.map(Number))
}

/** A valid dotted-quad BGP identifier (RFC 6286: any non-zero 32-bit value). */
export const isBgpIdentifier = (id: string): boolean => {
  const b = idBytes(id)
  return b !== null && b.some((x) => x !== 0)
}

/** All capabilities go into one optional parameter; must fit the 1-byte lengths of RFC 4271. */
export const encode = (o: Open): Uint8Array => {
  const length = encodingLength(o)
  const params = paramsLength(o)
  if (params > 255) throw new RangeError("OPEN: capabilities exceed 255 bytes")
  const id = idBytes(o.bgpId)
  if (id === null) throw new RangeError(`OPEN: BGP identifier ${o.bgpId} is not a dotted quad`)
  const buf = new Uint8Array(length)
  writeHeader(buf, 0, length, MessageType.Open)
  let at = HEADER_LENGTH
  buf[at++] = o.version
  writeU16(buf, at, o.myAs)
  writeU16(buf, at + 2, o.holdTime)
  buf.set(id, at + 4)
  at += 8
  buf[at++] = params
  if (params > 0) {
    buf[at] = CAPABILITIES_PARAMETER
    buf[at + 1] = params - 2
    at += 2
    for (const c of o.capabilities) at = writeCapability(buf, at, c)
  }
  return buf
}

const openError = (subcode: number, reason: string, data?: Uint8Array): BgpMessageError =>
  messageError(ErrorCode.Open, subcode, reason, data)

/** `bytes` is the whole message, header already validated. */
export const decode = (bytes: Uint8Array): Either.Either<Open, BgpMessageError> => {
  const body = HEADER_LENGTH
  const version = bytes[body]!
  // RFC 4271 §6.2: the data is the largest version we support
  if (version !== 4) return Either.left(openError(OpenSubcode.UnsupportedVersion, `version ${version}`, u16Bytes(4)))
  const myAs = readU16(bytes, body + 1)
  const holdTime = readU16(bytes, body + 3)
  if (holdTime === 1 || holdTime === 2) return Either.left(openError(OpenSubcode.UnacceptableHoldTime, `hold time ${holdTime}`))
  const id = readU32(bytes, body + 5)
  if (id === 0) return Either.left(openError(OpenSubcode.BadBgpIdentifier, "BGP identifier 0.0.0.0"))
  const bgpId = `${id >>> 24}.${(id >>> 16) & 0xff}.${(id >>> 8) & 0xff}.${id & 0xff}`
  let at = body + 10
  let end = at + bytes[body + 9]!
  let extended = false
  // RFC 9072: length 255 followed by parameter type 255 announces 2-byte lengths
  if (bytes[body + 9] === 255 && bytes[at] === 255) {
    if (at + 3 > bytes.length) return Either.left(openError(0, "truncated extended optional parameters length"))
    extended = true
    end = at + 3 + readU16(bytes, at + 1)
    at += 3
  }
  if (end !== bytes.length) return Either.left(openError(0, `optional parameters length disagrees with the message length`))
  const capabilities: Array<Capability> = []
  const headerSize = extended ? 3 : 2
  while (at < end) {
    if (at + headerSize > end) return Either.left(openError(0, "truncated optional parameter"))
    const type = bytes[at]!
    const length = extended ? readU16(bytes, at + 1) : bytes[at + 1]!
    const v = at + headerSize
    if (v + length > end) return Either.left(openError(0, `optional parameter ${type} runs past the message`))
    if (type !== CAPABILITIES_PARAMETER) {
      return Either.left(openError(OpenSubcode.UnsupportedOptionalParameter, `optional parameter type ${type}`))
    }
    const decoded = decodeCapabilities(bytes, v, v + length)
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    capabilities.push(...decoded.right)
    at = v + length
  }
  return Either.right({ version, myAs, holdTime, bgpId, capabilities })
}

/** The 4-octet AS a peer announced, or its 2-byte My AS field when it did not (RFC 6793 §4.1). */
export const peerAsOf = (o: Open): number => {
  for (const c of o.capabilities) if (c._tag === "FourOctetAs") return c.asn
  return o.myAs
}

