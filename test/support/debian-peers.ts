/**
 * The Debian packages that integration suites drive as real peers.
 *
 * This is the ONE list: the vitest global setup installs whatever is missing
 * from it (once per run, as root) and `.ci/run` installs it on a fresh
 * machine. A suite that needs a new program appends its package here and
 * declares it with `requirePeer` (test/support/peers.ts).
 */
export const debianPeerPackages: ReadonlyArray<string> = [
  "mariadb-server",
  "mariadb-client",
  // sensor: real clients against the emulated services
  "nmap",
  "sip-tester",
  "sipvicious",
  "swaks",
  "curl",
  "bind9-dnsutils",
  "knot-dnsutils",
  "tftp-hpa",
  "openssh-client",
  "sshpass",
  // exposure: nmap's own diff as the benchmark baseline (package ndiff)
  "ndiff",
  // blocking: BGP peers
  "bird2",
  "gobgpd",
  "frr",
  "exabgp"
]
