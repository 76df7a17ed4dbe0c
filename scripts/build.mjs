#!/usr/bin/env node
/**
 * Transpiles the TypeScript sources to plain ESM in dist/ (esbuild, no bundling, no type
 * check — `npm run typecheck` does that) and copies config/ beside them, so modules that
 * find files relative to themselves (config/honeyhole.yaml, Kibana objects, the index
 * template) resolve the same way from dist/ as from the sources.
 *
 * Why: running through tsx's loader costs ~70 MiB of RSS in every process (measured in
 * bench/RESULTS.md, sensor memory); `npm start` runs the transpiled code. It takes about a
 * second, and runs before every `npm start`, so dist/ never lags the sources.
 */
import { transform } from "esbuild"
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { basename, dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
// `--out DIR` builds elsewhere (the test that checks the build runs does)
const outArg = process.argv.indexOf("--out")
const out = outArg > 0 && process.argv[outArg + 1] !== undefined ? process.argv[outArg + 1] : join(root, "dist")
const sourceDirs = ["src", "domain", "projections", "adapters"]

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : []
  })

const started = Date.now()
rmSync(out, { recursive: true, force: true })
const files = sourceDirs.flatMap((d) => walk(join(root, d)))
await Promise.all(
  files.map(async (file) => {
    const target = join(out, relative(root, file)).replace(/\.ts$/, ".js")
    const { code, map } = await transform(readFileSync(file, "utf8"), {
      loader: "ts",
      format: "esm",
      target: "node20",
      // a linked map: Node reads it only under --enable-source-maps, so it costs nothing otherwise
      sourcemap: "external",
      sourcefile: relative(dirname(target), file)
    })
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, `${code}//# sourceMappingURL=${basename(target)}.map\n`)
    writeFileSync(`${target}.map`, map)
  })
)
cpSync(join(root, "config"), join(out, "config"), { recursive: true })
writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module", private: true }) + "\n")
process.stderr.write(`built ${files.length} modules into ${relative(process.cwd(), out) || "."} in ${Date.now() - started} ms\n`)
