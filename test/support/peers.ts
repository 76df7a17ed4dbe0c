import { it } from "vitest"
import { debianPeerPackages } from "./debian-peers.js"
import { findBinary, isRoot } from "./process.js"

export { findBinary, isRoot } from "./process.js"

/**
 * Real Debian programs as test peers.
 *
 * Suites declare what they need and skip or fail on the answer:
 *
 *   const bird = requirePeer({ name: "BGP vs BIRD 2", binaries: ["bird", "birdc"], debPackages: ["bird2"] })
 *   describe.skipIf(!bird.available)("BGP speaker vs BIRD 2 (real bird)", () => { … })
 *
 * The global setup (test/support/global-setup.ts) has already installed the
 * packages of test/support/debian-peers.ts when running as root, so a missing
 * peer here means "not root" or "install failed". Missing peers never pass
 * silently: outside CI the suite skips with a banner and a skipped test that
 * names the package; with CI=true a failing test is registered instead.
 */

export interface PeerRequirement {
  /** The suite that needs the peer; shows up in the banner and the test name. */
  readonly name: string
  /** Program names searched in PATH plus the sbin/lib dirs, or absolute paths. */
  readonly binaries: ReadonlyArray<string>
  /** The Debian packages providing them; each must be in debian-peers.ts. */
  readonly debPackages: ReadonlyArray<string>
  /** Extra directories to search (e.g. /usr/lib/frr for FRR's daemons). */
  readonly searchDirs?: ReadonlyArray<string>
}

export interface Peer {
  readonly available: boolean
  readonly reason: string
  /** Absolute path of a declared binary; throws if it was not found. */
  readonly path: (binary: string) => string
}

export const isCi = (): boolean => {
  const ci = (process.env["CI"] ?? "").toLowerCase()
  return ci !== "" && ci !== "0" && ci !== "false"
}

const banner = (lines: ReadonlyArray<string>): string => {
  const rule = "!".repeat(78)
  return ["", rule, ...lines.map((line) => `!! ${line}`), rule, ""].join("\n")
}

export const requirePeer = (requirement: PeerRequirement): Peer => {
  // the single list is what gets installed; a package missing from it would skip forever
  const undeclared = requirement.debPackages.filter((pkg) => !debianPeerPackages.includes(pkg))
  if (undeclared.length > 0) {
    throw new Error(`${requirement.name}: add ${undeclared.join(", ")} to test/support/debian-peers.ts`)
  }
  // Debian keeps some daemons in /usr/lib/<package> (frr's bgpd, zebra)
  const searchDirs = [...(requirement.searchDirs ?? []), ...requirement.debPackages.map((pkg) => `/usr/lib/${pkg}`)]
  const found = new Map<string, string>()
  const missing: Array<string> = []
  for (const binary of requirement.binaries) {
    const file = findBinary(binary, searchDirs)
    if (file === undefined) missing.push(binary)
    else found.set(binary, file)
  }
  const path = (binary: string): string => {
    const file = found.get(binary)
    if (file === undefined) {
      throw new Error(`${requirement.name}: binary ${binary} is ${requirement.binaries.includes(binary) ? "missing" : "not declared in requirePeer"}`)
    }
    return file
  }
  const packages = requirement.debPackages.join(" ")
  if (missing.length === 0) {
    return { available: true, reason: `found ${[...found.values()].join(", ")}`, path }
  }

  const reason = `missing ${missing.join(", ")} (Debian package${requirement.debPackages.length === 1 ? "" : "s"}: ${packages})`
  const hint = isRoot()
    ? "running as root, yet the global setup did not install it: is the package in test/support/debian-peers.ts? see the setup output"
    : `not root, so nothing was installed: run \`apt-get install ${packages}\` or run the tests as root`
  const ci = isCi()
  console.warn(banner([
    `${ci ? "FAILING" : "SKIPPING"}: ${requirement.name}`,
    reason,
    hint,
    ...(ci ? ["CI=true: a missing peer is a failure, not a skip"] : [])
  ]))
  const title = `[peer] ${requirement.name} needs ${packages}`
  if (ci) {
    it(title, () => {
      throw new Error(`${requirement.name}: ${reason}; ${hint}`)
    })
  } else {
    it.skip(`${title}: ${reason}`, () => {})
  }
  return { available: false, reason, path }
}
