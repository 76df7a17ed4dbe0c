/**
 * `npm start` runs the transpiled JavaScript (scripts/build.mjs → dist/), not the tsx
 * loader: the build must turn every module into code Node runs on its own, and files the
 * modules find relative to themselves (config/honeyhole.yaml) must resolve from there.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "../..")
// inside the repository, so the output resolves node_modules as dist/ does
const out = mkdtempSync(join(root, ".test-build-"))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe("the transpiled build npm start runs", () => {
  it("builds every module and runs the CLI from the output with the embedded defaults", () => {
    execFileSync(process.execPath, [join(root, "scripts/build.mjs"), "--out", out], { stdio: "pipe" })
    expect(existsSync(join(out, "src/main.js"))).toBe(true)
    expect(existsSync(join(out, "config/honeyhole.yaml"))).toBe(true)
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }
    expect(pkg.scripts["start"]).toBe("node dist/src/main.js start")
    expect(pkg.scripts["prestart"]).toBe("node scripts/build.mjs")
    const cwd = mkdtempSync(join(tmpdir(), "hh-build-cwd-"))
    try {
      const check = execFileSync(process.execPath, [join(out, "src/main.js"), "config", "check"], { cwd, env: { ...process.env, HONEYHOLE_CONFIG: "" }, encoding: "utf8" })
      expect(check).toContain("configuration OK (embedded defaults)")
      const printed = execFileSync(process.execPath, [join(out, "src/main.js"), "config", "print"], { cwd, env: { ...process.env, HONEYHOLE_CONFIG: "" }, encoding: "utf8" })
      expect(printed).toContain("sensor:")
    } finally {
      rmSync(cwd, { recursive: true, force: true })
    }
  })
})
