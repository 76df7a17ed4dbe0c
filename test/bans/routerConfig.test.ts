/** router-config output: BIRD's and FRR's own parsers accept it; Cisco/Junos checked by content. */
import { execFileSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { loadConfig } from "../../src/config/load.js"
import { routerConfig, routerParams } from "../../src/routerConfig.js"
import { requirePeer } from "../support/peers.js"

const dir = mkdtempSync(join(tmpdir(), "hh-rc-"))
const cfgFile = join(dir, "honeyhole.yaml")
writeFileSync(
  cfgFile,
  `bgp:
  localAs: 64999
  communities: ["7675:666", no-export]
  peers:
    - { name: border1, address: 127.0.1.1, peerAs: 7675, localAddress: 127.0.1.2 }
    - { name: border2, address: 127.0.2.1, peerAs: 64999 }
bans: { maxActive: 1000 }
`
)
const config = Either.getOrThrow(loadConfig({ file: cfgFile, env: {}, cwd: dir })).config
const params = (peer?: string) => {
  const p = routerParams(config, peer)
  if (typeof p === "string") throw new Error(p)
  return p
}

describe("router-config", () => {
  it("Cisco IOS: community list, discard static routes, host-route filter, prefix limit, loose uRPF (RFC 5635)", () => {
    const text = routerConfig("cisco-ios", params("border1"))
    expect(text).toContain("ip route 192.0.2.1 255.255.255.255 Null0")
    expect(text).toContain("ipv6 route 100::1/128 Null0")
    expect(text).toContain("ip community-list standard HONEYHOLE permit 7675:666")
    expect(text).toContain("router bgp 7675")
    expect(text).toContain("neighbor 127.0.1.2 remote-as 64999")
    expect(text).toContain("maximum-prefix 1100 90")
    expect(text).toContain("ip verify unicast source reachable-via any")
  })

  it("Junos: discard next hop, /32 and /128 only, iBGP for a same-AS peer", () => {
    const ebgp = routerConfig("junos", params("border1"))
    expect(ebgp).toContain("community HONEYHOLE members 7675:666")
    expect(ebgp).toContain("prefix-length-range /32-/32")
    expect(ebgp).toContain("peer-as 64999")
    expect(ebgp).toContain("rpf-check { mode loose; }")
    expect(routerConfig("junos", params("border2"))).toContain("type internal")
  })

  it("names an unknown peer", () => {
    expect(routerParams(config, "nope")).toMatch(/no peer named "nope".*border1, border2/)
  })

  const bird = requirePeer({ name: "router-config vs BIRD's parser", binaries: ["bird"], debPackages: ["bird2"] })
  it.skipIf(!bird.available)("BIRD: `bird -p` parses the generated config (real bird)", () => {
    const file = join(dir, "bird.conf")
    writeFileSync(file, `router id 127.0.1.1;\n${routerConfig("bird", params("border1"))}`)
    expect(() => execFileSync(bird.path("bird"), ["-p", "-c", file], { stdio: "pipe" })).not.toThrow()
  })

  const frr = requirePeer({ name: "router-config vs FRR's parser", binaries: ["vtysh"], debPackages: ["frr"] })
  it.skipIf(!frr.available)("FRR: `vtysh --dryrun` accepts the generated config (real frr)", () => {
    const file = join(dir, "frr.conf")
    writeFileSync(file, routerConfig("frr", params("border1")))
    expect(() => execFileSync(frr.path("vtysh"), ["--dryrun", "--inputfile", file], { stdio: "pipe", timeout: 20_000 })).not.toThrow()
    writeFileSync(file, "route-map X permit 10\n set bogus thing\n")
    expect(() => execFileSync(frr.path("vtysh"), ["--dryrun", "--inputfile", file], { stdio: "pipe", timeout: 20_000 })).toThrow()
  })
})
