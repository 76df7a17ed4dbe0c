/** The speaker against real bird (Debian package bird2): see support/interop.ts. */
import { requirePeer } from "../support/peers.js"
import { interopSuite } from "./support/interop.js"

const peer = requirePeer({ name: "BGP speaker vs bird", binaries: ["bird", "birdc"], debPackages: ["bird2"] })

interopSuite({ kind: "bird", peer, subnet: 11, sendsRouteRefresh: true })
