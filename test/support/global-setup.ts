import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import { debianPeerPackages } from "./debian-peers.js"

/**
 * Runs once per `vitest run`, before any worker: as root, installs whichever
 * packages of debian-peers.ts are missing, with a single `apt-get update`.
 * Without root nothing is installed and the suites that need a missing peer
 * skip loudly (or fail under CI=true), see requirePeer in peers.ts.
 * HONEYHOLE_TEST_INSTALL_PEERS=0 turns installing off.
 */

const isInstalled = (pkg: string): boolean => {
  const result = ChildProcess.spawnSync("dpkg-query", ["-W", "-f=${db:Status-Status}", pkg], { encoding: "utf8" })
  return result.status === 0 && result.stdout.trim() === "installed"
}

const policyRcd = "/usr/sbin/policy-rc.d"

const apt = (args: ReadonlyArray<string>): boolean => {
  console.log(`[global-setup] apt-get ${args.join(" ")}`)
  const result = ChildProcess.spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=120", ...args], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  })
  return result.status === 0
}

export const installMissingPeers = (): void => {
  if (process.env["HONEYHOLE_TEST_INSTALL_PEERS"] === "0") return
  if (process.getuid?.() !== 0) return
  if (ChildProcess.spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status !== 0) {
    console.warn("[global-setup] apt-get not available: test peers are not installed")
    return
  }
  const missing = debianPeerPackages.filter((pkg) => !isInstalled(pkg))
  if (missing.length === 0) return
  console.log(`[global-setup] installing test peers: ${missing.join(" ")}`)
  // Installing a daemon package must not start a system instance of it (a
  // system bgpd or mariadbd): tests start their own, on loopback. policy-rc.d
  // exiting 101 tells invoke-rc.d and deb-systemd-invoke to leave services be.
  const ownPolicy = !Fs.existsSync(policyRcd)
  if (ownPolicy) Fs.writeFileSync(policyRcd, "#!/bin/sh\nexit 101\n", { mode: 0o755 })
  try {
    const ok = apt(["update"]) &&
      apt(["install", "-y", "--no-install-recommends", ...missing])
    if (!ok) console.warn("[global-setup] apt-get failed: suites needing the missing peers will skip (fail under CI=true)")
  } finally {
    if (ownPolicy) Fs.rmSync(policyRcd, { force: true })
  }
}

export default function setup(): void {
  installMissingPeers()
}
