import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { firewallRules } from "../../src/sensor/firewall.js"
import { expandServices } from "../../src/sensor/services.js"

const specs = (bind: string) =>
  Either.getOrThrow(
    expandServices(
      [
        { name: "ssh", port: 10022, publicPort: 22, transport: "tcp", plugin: "banner", options: {} },
        { name: "dns", port: 10053, publicPort: 53, transport: "udp", plugin: "echo", options: {} },
        { name: "sip", port: "5060-5061", transport: "udp", plugin: "echo", options: {} },
        { name: "alt", port: "15060-15061", publicPort: "5060-5061", transport: "tcp", plugin: "echo", options: {} }
      ],
      bind
    )
  )

describe("firewall-rules", () => {
  it("prints an nftables table redirecting only the ports that differ", () => {
    const text = firewallRules(specs("0.0.0.0"), "nftables")
    expect(text).toContain("type nat hook prerouting priority dstnat; policy accept;")
    expect(text).toContain('tcp dport 22 redirect to :10022 comment "ssh"')
    expect(text).toContain('udp dport 53 redirect to :10053 comment "dns"')
    expect(text).toContain('tcp dport 5060 redirect to :15060 comment "alt"')
    expect(text).toContain('tcp dport 5061 redirect to :15061 comment "alt"')
    expect(text).not.toMatch(/udp dport 5060/) // sip listens on its public port
    expect(text).toContain("(4 rules)")
  })

  it("prints iptables commands (the thesis' ipt-kit), matching a specific bind address", () => {
    const text = firewallRules(specs("192.0.2.10"), "iptables")
    expect(text).toContain("iptables -t nat -A PREROUTING -p tcp -d 192.0.2.10 --dport 22 -j REDIRECT --to-ports 10022")
    expect(text).toContain("iptables -t nat -A PREROUTING -p udp -d 192.0.2.10 --dport 53 -j REDIRECT --to-ports 10053")
    const v6 = firewallRules(specs("2001:db8::10"), "iptables")
    expect(v6).toContain("ip6tables -t nat -A PREROUTING -p tcp -d 2001:db8::10 --dport 22")
    expect(firewallRules(specs("2001:db8::10"), "nftables")).toContain("ip6 daddr 2001:db8::10 tcp dport 22")
  })

  it("says so when nothing needs redirecting", () => {
    expect(firewallRules([], "nftables")).toContain("nothing to redirect")
  })
})
