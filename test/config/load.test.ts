import { Either } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { loadConfig, redactedConfig } from "../../src/config/load.js"

const dir = () => mkdtempSync(join(tmpdir(), "hh-cfg-"))
const write = (d: string, text: string) => {
  const file = join(d, "honeyhole.yaml")
  writeFileSync(file, text)
  return file
}
const issues = (r: ReturnType<typeof loadConfig>) => (Either.isLeft(r) ? r.left.issues.join("\n") : "loaded without error")

describe("configuration", () => {
  it("runs on embedded defaults with loopback binds and data in ./data", () => {
    const cwd = dir()
    const r = loadConfig({ cwd, env: {} })
    expect(Either.isRight(r)).toBe(true)
    const { config, file } = Either.getOrThrow(r)
    expect(file).toBeNull()
    expect(config.dataDir).toBe(join(cwd, "data"))
    expect(config.api.listen).toBe("127.0.0.1:8080")
    expect(config.sensor.bind).toBe("127.0.0.1")
    expect(config.bans.ttl).toBe(24 * 3600 * 1000)
    expect(config.eventStore.url).toBeNull()
  })

  it("merges the operator's file over the defaults and picks ./honeyhole.yaml up", () => {
    const cwd = dir()
    write(cwd, "bans:\n  ttl: 2h\n  allowlist: [198.51.100.0/24]\n")
    const { config, file } = Either.getOrThrow(loadConfig({ cwd, env: {} }))
    expect(file).toBe(join(cwd, "honeyhole.yaml"))
    expect(config.bans.ttl).toBe(2 * 3600 * 1000)
    expect(config.bans.maxTtl).toBe(30 * 86400 * 1000)
    expect(config.bans.allowlist).toEqual(["198.51.100.0/24"])
  })

  it("fails fast naming the key, the value and what was expected", () => {
    const cwd = dir()
    const file = write(cwd, "bans:\n  ttl: forever\napi:\n  listen: nowhere\n")
    const text = issues(loadConfig({ file, cwd, env: {} }))
    expect(text).toContain("bans.ttl")
    expect(text).toContain('"forever"')
    expect(text).toMatch(/expected a duration/)
    expect(text).toContain("api.listen")
    expect(text).toContain('"nowhere"')
  })

  it("refuses scan schedules a run would refuse (nmap arguments, targets) and duplicate schedule names", () => {
    const cwd = dir()
    const bad = write(
      cwd,
      [
        "scans:",
        "  schedules:",
        '    - { name: nightly, targets: [127.0.0.1], profile: fast, at: "02:00", args: ["-oN", "x.txt"] }',
        '    - { name: weekly, targets: ["300.1.2.3"], profile: full, at: "03:00" }',
        ""
      ].join("\n")
    )
    const text = issues(loadConfig({ file: bad, cwd, env: {} }))
    expect(text).toContain('schedule "nightly": nmap argument "-oN" is refused')
    expect(text).toContain('schedule "weekly"')
    const twice = write(cwd, 'scans:\n  schedules:\n    - { name: a, targets: [127.0.0.1], profile: fast, at: "02:00" }\n    - { name: a, targets: [127.0.0.2], profile: full, at: "03:00" }\n')
    expect(issues(loadConfig({ file: twice, cwd, env: {} }))).toContain('two schedules are named "a"')
    const good = write(cwd, 'scans:\n  schedules:\n    - { name: a, targets: [127.0.0.1/32], profile: fast, at: "02:00", args: ["-p", "22,80"] }\n')
    expect(Either.getOrThrow(loadConfig({ file: good, cwd, env: {} })).config.scans.schedules[0]!.args).toEqual(["-p", "22,80"])
  })

  it("rejects unknown keys so a typo never falls back to a default", () => {
    const cwd = dir()
    const file = write(cwd, "sensro:\n  bind: 0.0.0.0\n")
    expect(issues(loadConfig({ file, cwd, env: {} }))).toMatch(/sensro/)
  })

  it("reports YAML syntax errors with the file name", () => {
    const cwd = dir()
    const file = write(cwd, "api: [unclosed\n")
    const r = loadConfig({ file, cwd, env: {} })
    expect(Either.isLeft(r) && r.left.source).toBe(file)
    expect(issues(r)).toMatch(/YAML/)
  })

  it("applies HONEYHOLE_* env overrides and names the variable in errors", () => {
    const cwd = dir()
    const ok = Either.getOrThrow(
      loadConfig({ cwd, env: { HONEYHOLE_API__LISTEN: "127.0.0.1:9191", HONEYHOLE_BANS__NEVER_BAN: "[]", HONEYHOLE_DATA_DIR: "/tmp/x" } })
    )
    expect(ok.config.api.listen).toBe("127.0.0.1:9191")
    expect(ok.config.bans.neverBan).toEqual([])
    expect(ok.config.dataDir).toBe("/tmp/x")
    const bad = issues(loadConfig({ cwd, env: { HONEYHOLE_BANS__ESCALATION: "zero" } }))
    expect(bad).toContain("bans.escalation")
    expect(bad).toContain("HONEYHOLE_BANS__ESCALATION")
  })

  it("takes HONEYHOLE_CONFIG when no --config is given", () => {
    const cwd = dir()
    const other = dir()
    const file = write(other, "sensor:\n  id: edge-7\n")
    expect(Either.getOrThrow(loadConfig({ cwd, env: { HONEYHOLE_CONFIG: file } })).config.sensor.id).toBe("edge-7")
  })

  it("does not read HONEYHOLE_FROM_SOURCE (bin/honeyhole.js's switch) or HONEYHOLE_TEST_* as configuration", () => {
    const loaded = loadConfig({ cwd: dir(), env: { HONEYHOLE_FROM_SOURCE: "1", HONEYHOLE_TEST_ES_URL: "http://127.0.0.1:9", HONEYHOLE_DATA_DIR: "/tmp/x" } })
    expect(Either.isRight(loaded)).toBe(true)
    expect(Either.getOrThrow(loaded).config.dataDir).toBe("/tmp/x")
    expect(Either.isLeft(loadConfig({ cwd: dir(), env: { HONEYHOLE_FROM_SOURCES: "1" } }))).toBe(true) // a typo still is an error
  })

  it("redacts secrets and URL passwords when printed", () => {
    const cwd = dir()
    const file = write(
      cwd,
      "readModels: { url: 'mysql://hh:s3cret@127.0.0.1:3306/hh' }\napi: { token: tok123 }\nnotify: { smtp: { pass: mailpw } }\n"
    )
    const printed = JSON.stringify(redactedConfig(Either.getOrThrow(loadConfig({ file, cwd, env: {} })).config))
    expect(printed).not.toMatch(/s3cret|tok123|mailpw/)
    expect(printed).toContain("mysql://hh:***@127.0.0.1:3306/hh")
    expect(printed).toContain('"ttl":"1d"')
  })
})
