/**
 * `npm start` runs the transpiled JavaScript (scripts/build.mjs → dist/), not the tsx
 * loader: the build must turn every module into code Node runs on its own, and files the
 * modules find relative to themselves (config/honeyhole.yaml) must resolve from there.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
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
      // the nmap reader's worker thread is bundled beside the CLI and found from it
      expect(existsSync(join(out, "src/app/worker.js"))).toBe(true)
      const imported = execFileSync(
        process.execPath,
        [join(out, "src/main.js"), "scan", "import", "--no-mail", join(root, "test/exposure/fixtures/three-hosts.xml.gz")],
        { cwd, env: { ...process.env, HONEYHOLE_CONFIG: "", HONEYHOLE_DATA_DIR: join(cwd, "data") }, encoding: "utf8" }
      )
      expect(imported).toMatch(/3 hosts \(\d+ up\), \d+ open ports; \d+ new findings/)
    } finally {
      rmSync(cwd, { recursive: true, force: true })
    }
  })
})

describe("bin/honeyhole.js runs the bundle only while it is fresh", () => {
  it("is fresh when the bundle is newer than every source, stale when any source or the lockfile is newer or the bundle is missing", async () => {
    // @ts-expect-error plain JavaScript module without types
    const { isFresh } = (await import("../../bin/fresh.js")) as { isFresh: (root: string, bundle: string, dirs: ReadonlyArray<string>, files: ReadonlyArray<string>) => boolean }
    const tree = mkdtempSync(join(tmpdir(), "hh-fresh-"))
    try {
      const at = (path: string, seconds: number) => {
        mkdirSync(dirname(join(tree, path)), { recursive: true })
        if (!existsSync(join(tree, path))) writeFileSync(join(tree, path), "")
        utimesSync(join(tree, path), seconds, seconds)
      }
      for (const f of ["src/a.ts", "src/deep/b.ts", "config/honeyhole.yaml", "package-lock.json"]) at(f, 1000)
      for (const d of ["src/deep", "src", "config"]) utimesSync(join(tree, d), 1000, 1000)
      const bundle = join(tree, "dist/app/main.js")
      const fresh = () => isFresh(tree, bundle, ["src", "config", "missing-dir"], ["package-lock.json"])
      expect(fresh()).toBe(false) // no bundle yet
      at("dist/app/main.js", 2000)
      expect(fresh()).toBe(true)
      at("src/deep/b.ts", 3000)
      expect(fresh()).toBe(false)
      at("dist/app/main.js", 4000)
      expect(fresh()).toBe(true)
      at("package-lock.json", 5000)
      expect(fresh()).toBe(false)
    } finally {
      rmSync(tree, { recursive: true, force: true })
    }
  })
})
