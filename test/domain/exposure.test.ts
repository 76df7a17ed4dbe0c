/** Change detection specs: given(inventory, open findings).when(host scan).then(detected, resolved). */
import { describe, expect, it } from "vitest"
import { HostRegistered, HostTypeDefined, PortRangeAssigned, PortRangeDeclared } from "../../domain/events/index.js"
import type { ScannedPort } from "../../domain/events/index.js"
import { allowedPorts, coverageOf, detect, inIntervals, mergeIntervals } from "../../domain/exposure/detect.js"
import type { OpenFinding } from "../../domain/exposure/findings.js"
import { foldInventory } from "../../domain/inventory/state.js"

const inventory = foldInventory([
  new HostTypeDefined({ name: "voip", description: "" }),
  new HostRegistered({ ip: "198.51.100.5", hostType: "voip", name: null }),
  new PortRangeDeclared({ rangeId: "1", min: 5060, max: 5080, transport: "udp", description: "SIP", plugin: "sip" }),
  new PortRangeDeclared({ rangeId: "2", min: 5070, max: 5090, transport: "udp", description: "SIP alt", plugin: null }),
  new PortRangeDeclared({ rangeId: "3", min: 443, max: 443, transport: "tcp", description: "", plugin: null }),
  new PortRangeAssigned({ rangeId: "1", hostType: "voip" }),
  new PortRangeAssigned({ rangeId: "2", hostType: "voip" }),
  new PortRangeAssigned({ rangeId: "3", hostType: "voip" })
])
const allowed = allowedPorts(inventory)
const port = (p: number, transport: "tcp" | "udp" = "tcp", state = "open"): ScannedPort => ({ port: p, transport, state, reason: null, service: null })
const finding = (p: number, transport: "tcp" | "udp" = "tcp"): OpenFinding => ({
  host: "198.51.100.5", port: p, transport, hostType: "voip", service: null, scanId: "s0", detectedAt: new Date(0), acknowledged: null
})
const full = coverageOf([{ transport: "tcp", min: 1, max: 65535 }, { transport: "udp", min: 1, max: 65535 }])
const opts = { udpOpenFiltered: false }

describe("change detection", () => {
  it("merges overlapping ranges and matches ports as intervals (the seed's BETWEEN)", () => {
    expect(mergeIntervals([[5070, 5090], [5060, 5080], [443, 443], [444, 445]])).toEqual([[443, 445], [5060, 5090]])
    const iv = mergeIntervals([[5060, 5080], [5070, 5090]])
    expect([5059, 5060, 5085, 5090, 5091].map((p) => inIntervals(iv, p))).toEqual([false, true, true, true, false])
    expect(allowed.allows("voip", "udp", 5090)).toBe(true)
    expect(allowed.allows("voip", "tcp", 5090)).toBe(false)
  })

  it("flags open ports the type does not allow, once", () => {
    const scan = { scanId: "s1", ip: "198.51.100.5", status: "up", ports: [port(443), port(22), port(5065, "udp"), port(23, "tcp", "closed")] }
    const first = detect(scan, full, new Map(), allowed, opts)
    expect(first.detected.map((d) => [d.port, d.transport, d.hostType])).toEqual([[22, "tcp", "voip"]])
    expect(detect(scan, full, new Map([["22/tcp", finding(22)]]), allowed, opts).detected).toEqual([])
  })

  it("treats an unknown host's every open port as a finding with hostType null", () => {
    const r = detect({ scanId: "s1", ip: "198.51.100.99", status: "up", ports: [port(443), port(5065, "udp")] }, full, new Map(), allowed, opts)
    expect(r.detected.map((d) => [d.port, d.hostType])).toEqual([[443, null], [5065, null]])
  })

  it("resolves findings seen closed in covered ranges only, and never from a down host", () => {
    const open = new Map([["22/tcp", finding(22)], ["8080/tcp", finding(8080)]])
    const narrow = coverageOf([{ transport: "tcp", min: 1, max: 1000 }])
    const r = detect({ scanId: "s2", ip: "198.51.100.5", status: "up", ports: [] }, narrow, open, allowed, opts)
    expect(r.resolved.map((x) => [x.port, x.resolution])).toEqual([[22, "closed"]])
    expect(detect({ scanId: "s2", ip: "198.51.100.5", status: "down", ports: [] }, full, open, allowed, opts).resolved).toEqual([])
  })

  it("counts open|filtered UDP only when configured", () => {
    const scan = { scanId: "s1", ip: "198.51.100.5", status: "up", ports: [port(161, "udp", "open|filtered")] }
    expect(detect(scan, full, new Map(), allowed, opts).detected).toEqual([])
    expect(detect(scan, full, new Map(), allowed, { udpOpenFiltered: true }).detected.map((d) => d.port)).toEqual([161])
  })
})
