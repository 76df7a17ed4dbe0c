import { afterAll, beforeAll } from "vitest"
import { type MariaDb, startMariaDb } from "./mariadb-server.js"
import { type Peer, requirePeer } from "./peers.js"

export * from "./mariadb-server.js"

/** Declares the MariaDB peer for `describe.skipIf(!peer.available)`. */
export const requireMariaDb = (suite: string): Peer =>
  requirePeer({
    name: suite,
    binaries: ["mariadbd", "mariadb-install-db"],
    debPackages: ["mariadb-server"]
  })

let shared: { server: Promise<MariaDb>; users: number } | undefined

/**
 * One server per test file, however many suites in it call this: start in
 * beforeAll, stop after the last suite's afterAll. Read `db.url` inside hooks
 * and tests (it throws before the server is up).
 */
export const withMariaDb = (): { readonly url: string; readonly server: () => MariaDb } => {
  let current: MariaDb | undefined
  beforeAll(async () => {
    if (shared === undefined) shared = { server: startMariaDb(), users: 0 }
    shared.users++
    current = await shared.server
  })
  afterAll(async () => {
    current = undefined
    if (shared === undefined) return
    const entry = shared
    entry.users--
    if (entry.users > 0) return
    shared = undefined
    await entry.server.then((server) => server.stop(), () => undefined)
  })
  const server = (): MariaDb => {
    if (current === undefined) throw new Error("withMariaDb: the server is only available inside tests and hooks")
    return current
  }
  return {
    get url() {
      return server().url
    },
    server
  }
}
