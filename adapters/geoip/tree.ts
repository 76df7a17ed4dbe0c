/**
 * The search tree of an mmdb file, walked over its Buffer (MaxMind DB spec, "Search Tree
 * Section"): what maxmind's Reader does in `findAddressInTree`, minus its per-lookup
 * parse of the address into a byte array and its tuple results. The answer is the data
 * pointer, which identifies the record: lookups of addresses that share a record (a
 * city) are answered from a cache keyed by it, without decoding anything.
 */
import type { Reader } from "maxmind"

export interface SearchTree {
  /** the record's data pointer for a 32-bit IPv4 address (unsigned), or -1 when the tree has none */
  readonly findV4: (address: number) => number
  /** the same for 4 or 16 address bytes (IPv4 goes where the file keeps it: ::/96 in an IPv6 tree) */
  readonly find: (bytes: Uint8Array) => number
}

export const searchTree = (db: Buffer, metadata: Reader<never>["metadata"]): SearchTree => {
  const { nodeCount, nodeByteSize, recordSize } = metadata
  if (recordSize !== 24 && recordSize !== 28 && recordSize !== 32) throw new Error(`unsupported mmdb record size ${recordSize}`)
  // spec: 24-bit records are 3 bytes each; 28-bit ones share the middle byte's nibbles; 32-bit are 4 bytes
  const child = (node: number, right: boolean): number => {
    const at = node * nodeByteSize
    if (recordSize === 24) {
      const o = right ? at + 3 : at
      return (db[o]! << 16) | (db[o + 1]! << 8) | db[o + 2]!
    }
    if (recordSize === 28) {
      return right
        ? ((db[at + 3]! & 0x0f) << 24) | (db[at + 4]! << 16) | (db[at + 5]! << 8) | db[at + 6]!
        : ((db[at + 3]! & 0xf0) << 20) | (db[at]! << 16) | (db[at + 1]! << 8) | db[at + 2]!
    }
    return db.readUInt32BE(right ? at + 4 : at)
  }
  // IPv4 lives in the first 96 zero bits of an IPv6 tree
  let ipv4Start = 0
  if (metadata.ipVersion === 6) {
    for (let i = 0; i < 96 && ipv4Start < nodeCount; i++) ipv4Start = child(ipv4Start, false)
  }
  // a record equal to nodeCount means "no data"; above it, a pointer into the data section
  const answer = (node: number): number => (node > nodeCount ? node : -1)
  const findV4 = (address: number): number => {
    let node = ipv4Start
    for (let bit = 31; bit >= 0 && node < nodeCount; bit--) node = child(node, ((address >>> bit) & 1) === 1)
    return answer(node)
  }
  const find = (bytes: Uint8Array): number => {
    if (bytes.length === 4) return findV4(((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0)
    let node = 0
    for (let depth = 0; depth < 128 && node < nodeCount; depth++) node = child(node, ((bytes[depth >> 3]! >> (7 - (depth & 7))) & 1) === 1)
    return answer(node)
  }
  return { findV4, find }
}

/**
 * The 32-bit value of a dotted quad in canonical form (what domain/ip.ts accepts as
 * IPv4: four decimal parts 0–255 without leading zeros), or -1 for anything else — the
 * caller then takes the general path (IPv6, IPv4-mapped IPv6, garbage).
 */
export const dottedQuad = (text: string): number => {
  const length = text.length
  if (length < 7 || length > 15) return -1
  let value = 0
  let part = 0
  let digits = 0
  let parts = 0
  for (let i = 0; i <= length; i++) {
    const c = i === length ? 46 : text.charCodeAt(i)
    if (c === 46) {
      if (digits === 0 || part > 255) return -1
      value = value * 256 + part
      parts++
      part = 0
      digits = 0
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return -1 // leading zero
      part = part * 10 + (c - 48)
      if (++digits > 3) return -1
    } else return -1
  }
  return parts === 4 ? value : -1
}
