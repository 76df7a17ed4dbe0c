/** The speaker against real gobgp (Debian package gobgpd): see support/interop.ts. */
import { requirePeer } from "../support/peers.js"
import { interopSuite } from "./support/interop.js"

const peer = requirePeer({ name: "BGP speaker vs gobgp", binaries: ["gobgpd", "gobgp"], debPackages: ["gobgpd"] })

interopSuite({ kind: "gobgp", peer, subnet: 12, sendsRouteRefresh: false })
