/**
 * KurrentDB positions in the opaque `Position` text: "commit:prepare" in decimal.
 * Both halves are needed: the events of one multi-event append share a commit
 * position and differ only in their prepare positions.
 */
import { Position } from "../../../domain/events/index.js"

export interface LogPosition {
  readonly commit: bigint
  readonly prepare: bigint
}

export const encodePosition = (position: LogPosition): Position =>
  Position(`${position.commit}:${position.prepare}`)

export const decodePosition = (text: string): LogPosition | undefined => {
  const match = /^(\d+):(\d+)$/.exec(text)
  return match === null ? undefined : { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) }
}

const sign = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0)

export const compareLogPositions = (a: LogPosition, b: LogPosition): number =>
  sign(a.commit, b.commit) || sign(a.prepare, b.prepare)

/** Text that is not one of ours sorts by plain text, so the order stays total. */
export const comparePositions = (a: Position, b: Position): number => {
  const x = decodePosition(a)
  const y = decodePosition(b)
  return x !== undefined && y !== undefined ? compareLogPositions(x, y) : a < b ? -1 : a > b ? 1 : 0
}
