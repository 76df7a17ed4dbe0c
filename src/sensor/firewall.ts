/**
 * Redirect rules from each service's public (often privileged) port to the port the
 * sensor listens on — what the thesis did with ipt-kit (annex C), generated from the
 * configuration so the two never drift. Printed, never applied: the operator reviews
 * and loads them (`nft -f`, or runs the iptables lines).
 */
import type { ListenerSpec } from "./spec.js"

export type FirewallFlavour = "nftables" | "iptables"

const redirects = (specs: ReadonlyArray<ListenerSpec>) =>
  specs.filter((s) => s.publicPort !== s.port).sort((a, b) => a.transport.localeCompare(b.transport) || a.publicPort - b.publicPort)

/** Listening on a specific address: match it as the destination; a wildcard bind matches any. */
const wildcard = (bind: string) => bind === "0.0.0.0" || bind === "::"

export const firewallRules = (specs: ReadonlyArray<ListenerSpec>, flavour: FirewallFlavour): string => {
  const rules = redirects(specs)
  const header = `# honeyhole: redirect public ports to the sensor's listeners (${rules.length} rule${rules.length === 1 ? "" : "s"})`
  if (rules.length === 0) return `${header}\n# every service listens on its public port: nothing to redirect\n`
  if (flavour === "iptables") {
    const lines = rules.map((s) => {
      const tool = s.bind.includes(":") ? "ip6tables" : "iptables"
      const dest = wildcard(s.bind) ? "" : ` -d ${s.bind}`
      return `${tool} -t nat -A PREROUTING -p ${s.transport}${dest} --dport ${s.publicPort} -j REDIRECT --to-ports ${s.port}  # ${s.service}`
    })
    return [header, ...lines, ""].join("\n")
  }
  const lines = rules.map((s) => {
    const family = s.bind.includes(":") ? "ip6" : "ip"
    const dest = wildcard(s.bind) ? "" : `${family} daddr ${s.bind} `
    return `    ${dest}${s.transport} dport ${s.publicPort} redirect to :${s.port} comment "${s.service}"`
  })
  return [
    header,
    "table inet honeyhole {",
    "  chain prerouting {",
    "    type nat hook prerouting priority dstnat; policy accept;",
    ...lines,
    "  }",
    "}",
    ""
  ].join("\n")
}
