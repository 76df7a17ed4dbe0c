#!/usr/bin/env node
/**
 * Builds what `npm start` runs: the CLI (src/main.ts) and the nmap reader's worker thread
 * (adapters/nmap/worker.ts) bundled by esbuild with their dependencies into
 * dist/src/app/{main,worker}.js, behind a one-line dist/src/main.js, and config/ copied
 * to dist/config. No type check here (`npm run typecheck` does that).
 *
 * Why bundle: running through tsx's loader costs ~70 MiB of RSS in every process
 * (bench/RESULTS.md, sensor memory), and loading ~200 modules plus the Effect packages'
 * barrels one file at a time cost 1.3 s of start-up per command; the bundle starts in
 * 0.6 s (a /16 scan import is measured against ndiff's 18 s).
 *
 * Layout: the bundle sits two directories below dist/, as each source module sits two
 * below the repository, so files the code finds relative to itself
 * (`../../config/honeyhole.yaml`, the Kibana objects, the Elasticsearch template) resolve
 * to dist/config; the worker sits beside the bundle as `./worker.js`, where
 * adapters/nmap/parallel.ts looks for it.
 *
 * Left outside the bundle, loaded from node_modules: packages with native addons
 * (better-sqlite3, ssh2 and its optional cpu-features, the KurrentDB client's bridge).
 */
import { build } from "esbuild"
import { cpSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
// `--out DIR` builds elsewhere (the test that checks the build runs does)
const outArg = process.argv.indexOf("--out")
const out = outArg > 0 && process.argv[outArg + 1] !== undefined ? process.argv[outArg + 1] : join(root, "dist")
const app = join(out, "src", "app")

const started = Date.now()
rmSync(out, { recursive: true, force: true })
const result = await build({
  entryPoints: { main: join(root, "src/main.ts"), worker: join(root, "adapters/nmap/worker.ts") },
  outdir: app,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["better-sqlite3", "ssh2", "cpu-features", "@kurrent/*"],
  // bundled CommonJS packages call require(); ESM output has none of its own
  banner: { js: "import { createRequire as __honeyholeRequire } from 'node:module'; const require = __honeyholeRequire(import.meta.url);" },
  // a linked map: Node reads it only under --enable-source-maps, so it costs nothing otherwise
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning"
})
mkdirSync(join(out, "src"), { recursive: true })
writeFileSync(join(out, "src", "main.js"), 'import "./app/main.js"\n')
cpSync(join(root, "config"), join(out, "config"), { recursive: true })
writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module", private: true }) + "\n")
const modules = Object.keys(result.metafile.inputs).length
const size = statSync(join(app, "main.js")).size
process.stderr.write(`bundled ${modules} modules into ${relative(process.cwd(), app) || "."} (main.js ${(size / 2 ** 20).toFixed(1)} MiB) in ${Date.now() - started} ms\n`)
