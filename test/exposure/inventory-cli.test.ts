/** `honeyhole inventory …` and `exposure ack` as operators run them: real processes, a temp dir. */
import { execFile } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const bin = resolve(import.meta.dirname, "../../bin/honeyhole.js")
const fixture = (name: string) => join(import.meta.dirname, "fixtures", name)

describe("inventory CLI (real processes)", () => {
  const cwd = mkdtempSync(join(tmpdir(), "hh-invcli-"))
  const cli = (...args: ReadonlyArray<string>) =>
    promisify(execFile)(process.execPath, [bin, ...args], { cwd, env: { ...process.env, HONEYHOLE_DATA_DIR: join(cwd, "data") } }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr })
    )

  it("builds an inventory and refuses bad input with clear messages", async () => {
    expect((await cli("inventory", "type", "add", "servidores web", "--description", "HTTP")).code).toBe(0)
    expect(await cli("inventory", "port", "add", "80/tcp", "--description", "HTTP", "--type", "servidores web")).toMatchObject({ code: 0, out: 'declared 80/tcp (id 1), assigned to "servidores web"\n' })
    expect((await cli("inventory", "port", "add", "5060-5080/udp", "--plugin", "sip")).code).toBe(0)
    expect((await cli("inventory", "assign", "5060-5080/udp", "servidores web")).code).toBe(0)
    expect((await cli("inventory", "host", "add", "193.22.119.2", "--type", "servidores web")).code).toBe(0)

    const bad = await Promise.all([
      cli("inventory", "host", "add", "193.22.119.256", "--type", "servidores web"),
      cli("inventory", "host", "add", "193.22.119.3", "--type", "voip"),
      cli("inventory", "port", "add", "0-80/tcp"),
      cli("inventory", "port", "add", "90-80/tcp"),
      cli("inventory", "port", "add", "80/tcp"),
      cli("inventory", "port", "add", "80/sctp")
    ])
    expect(bad.map((r) => r.code)).toEqual([1, 1, 1, 1, 1, 1])
    expect(bad.map((r) => r.err.trim())).toEqual([
      'honeyhole: not an IP address: "193.22.119.256"',
      'honeyhole: unknown host type "voip" (known: servidores web)',
      "honeyhole: ports must be integers from 1 to 65535, got 0-80",
      "honeyhole: range start 90 is above its end 80",
      "honeyhole: port range 80/tcp is already declared (id 1)",
      'honeyhole: expected <port>[-<port>]/<tcp|udp>, e.g. 80/tcp or 5060-5080/udp, got "80/sctp"'
    ])

    const shown = JSON.parse((await cli("inventory", "show", "--json")).out) as { types: ReadonlyArray<unknown> }
    expect(shown.types).toEqual([
      {
        name: "servidores web",
        description: "HTTP",
        ports: [{ id: "1", range: "80/tcp", description: "HTTP", plugin: null }, { id: "2", range: "5060-5080/udp", description: "", plugin: "sip" }],
        hosts: [{ ip: "193.22.119.2", name: null, enabled: true }]
      }
    ])
    expect((await cli("inventory", "unassign", "2", "servidores web")).code).toBe(0)
    expect((await cli("inventory", "host", "disable", "193.22.119.2", "--reason", "gone")).code).toBe(0)
    expect((await cli("inventory", "host", "list")).out).toMatch(/193\.22\.119\.2\s+servidores web\s+-\s+no/)
  }, 300_000) // each process compiles the sources through tsx: seconds apiece on a busy machine

  it("acknowledges a finding (audited) and refuses one that is not open", async () => {
    expect((await cli("scan", "import", fixture("seed-example.xml"), "--no-mail")).out).toContain("1 new findings")
    expect(await cli("exposure", "ack", "193.22.119.20", "80/tcp", "--reason", "proxy's status page")).toMatchObject({ code: 0, out: "acknowledged 193.22.119.20 80/tcp\n" })
    expect((await cli("exposure", "list")).out).toMatch(/193\.22\.119\.20\s+80\/tcp\s+http\s+\(not in inventory\).*: proxy's status page/)
    expect((await cli("exposure", "ack", "193.22.119.20", "22/tcp", "--reason", "x")).err).toContain("no open finding for 193.22.119.20 22/tcp")
  }, 300_000)
})
