/** The speaker against real frr (Debian package frr): see support/interop.ts. */
import { requirePeer } from "../support/peers.js"
import { interopSuite } from "./support/interop.js"

const peer = requirePeer({ name: "BGP speaker vs frr", binaries: ["bgpd", "vtysh"], debPackages: ["frr"] })

interopSuite({ kind: "frr", peer, subnet: 13, sendsRouteRefresh: false })
