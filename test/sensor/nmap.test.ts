/**
 * nmap -sV (real nmap, -n, loopback only) against the default services: each key
 * service must be identified as a product, not `unknown`.
 */
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort, freeTcpPort, freeUdpPort } from "../support/free-port.js"
import { requirePeer } from "../support/peers.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"

const nmap = requirePeer({ name: "nmap -sV against the sensor", binaries: ["nmap"], debPackages: ["nmap"] })

describe.skipIf(!nmap.available)("nmap -sV names the emulated services (real nmap)", () => {
  let sensor: RunningSensor
  const tcp: Record<string, number> = {}
  const udp: Record<string, number> = {}

  beforeAll(async () => {
    for (const name of ["ssh", "telnet", "smtp", "http", "https", "mysql", "sip"]) tcp[name] = await freeTcpPort()
    const dnsPort = await freePort()
    tcp["dns"] = dnsPort
    udp["dns"] = dnsPort
    udp["sip"] = await freeUdpPort()
    udp["tftp"] = await freeUdpPort()
    sensor = await startSensor([
      ...["ssh", "telnet", "smtp", "http", "https", "mysql", "sip", "dns"].map((name) => ({ name, port: tcp[name]!, transport: "tcp" as const, plugin: name })),
      ...["sip", "dns", "tftp"].map((name) => ({ name, port: udp[name]!, transport: "udp" as const, plugin: name }))
    ])
  })
  afterAll(() => sensor?.stop())

  const scan = async (args: ReadonlyArray<string>) => {
    // -n: never ask the system resolver; 127.0.0.1 only (network rule)
    const { stdout } = await promisify(execFile)(nmap.path("nmap"), ["-n", "-Pn", "-sV", "--version-intensity", "5", ...args, "127.0.0.1"], { timeout: 120_000 })
    return stdout
  }

  it("identifies every TCP service as a product", async () => {
    const out = await scan(["-sT", "-p", Object.values(tcp).join(",")])
    const line = (name: string) => out.split("\n").find((l) => l.startsWith(`${tcp[name]}/tcp`)) ?? `(no line for ${name})\n${out}`
    expect(line("ssh")).toMatch(/open\s+ssh\s+OpenSSH 9\.2p1 Debian/)
    expect(line("telnet")).toMatch(/open\s+telnet\s+BusyBox telnetd/)
    expect(line("smtp")).toMatch(/open\s+smtp\s+Postfix smtpd/)
    expect(line("http")).toMatch(/open\s+http\s+Apache httpd 2\.4/)
    expect(line("https")).toMatch(/open\s+ssl\/http\s+Apache httpd 2\.4/)
    expect(line("mysql")).toMatch(/open\s+mysql\s+MySQL 8\.0/)
    expect(line("sip")).toMatch(/open\s+sip(-proxy)?\s+Asterisk PBX/)
    expect(line("dns")).toMatch(/open\s+domain\s+ISC BIND 9/)
  }, 150_000)

  it("identifies the UDP services", async () => {
    const out = await scan(["-sU", "-p", [udp["sip"], udp["dns"], udp["tftp"]].join(",")])
    const line = (name: string) => out.split("\n").find((l) => l.startsWith(`${udp[name]}/udp`)) ?? `(no line for ${name})\n${out}`
    expect(line("sip")).toMatch(/open\s+sip(-proxy)?\s+Asterisk PBX/)
    expect(line("dns")).toMatch(/open\s+domain/)
    expect(line("tftp")).toMatch(/open\s+tftp/)
    // and every probe became events in the attacker's stream
    const opened = await sensor.ofType("ContactOpened")
    expect(new Set(opened.map((o) => o.service))).toEqual(new Set(["ssh", "telnet", "smtp", "http", "https", "mysql", "sip", "dns", "tftp"]))
  }, 150_000)
})
