/**
 * Child processes of the sensor benchmark, driven over the fork IPC channel: the load
 * client (bench/support/loadClient.ts) and the server holding idle sessions for the RSS
 * measurement (bench/support/holdServer.ts). They run TypeScript through tsx's loader, or
 * — `transpiled` — as plain JavaScript bundled by esbuild, the way `npm start` runs
 * honeyhole (tsx's loader alone costs ~70 MiB of RSS, which memory figures must not count).
 * Commands are answered in order, one at a time. Their stdout goes to our stderr: stdout
 * is where the benchmarks print their Markdown.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { basename, join } from "node:path"
import { fileURLToPath } from "node:url"

const repoRoot = fileURLToPath(new URL("../..", import.meta.url))

export interface Child<Command, Reply> {
  readonly pid: number
  readonly process: ChildProcess
  /** sends one command, resolves with the child's reply */
  readonly request: (command: Command) => Promise<Reply>
  /** disconnects (the children exit on disconnect), SIGKILL after `graceMs` */
  readonly stop: (graceMs?: number) => Promise<void>
}

/**
 * Starts `entry` (a path relative to this folder) with node + tsx and an IPC channel;
 * resolves once it sent its first message (ready). `ulimitFiles` raises the open-files
 * limit first: the child is then started as `bash -c "ulimit -n N; exec node …"`
 * (the IPC descriptor survives the exec); without CAP_SYS_RESOURCE it gets the hard
 * limit instead (see `openFilesLimit`).
 */
export const startChild = async <Command, Reply>(
  entry: string,
  args: ReadonlyArray<string> = [],
  options: { readonly ulimitFiles?: number; readonly nodeArgs?: ReadonlyArray<string>; readonly transpiled?: boolean } = {}
): Promise<Child<Command, Reply>> => {
  const source = fileURLToPath(new URL(entry, import.meta.url))
  const file = options.transpiled === true ? await transpile(source) : source
  const nodeArgs = [...(options.transpiled === true ? [] : ["--import", "tsx"]), ...(options.nodeArgs ?? []), file, ...args]
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`
  const child =
    options.ulimitFiles === undefined
      ? spawn(process.execPath, nodeArgs, { cwd: repoRoot, stdio: ["ignore", 2, 2, "ipc"] })
      : spawn("bash", ["-c", `{ ulimit -n ${options.ulimitFiles} || ulimit -n "$(ulimit -Hn)"; } 2>/dev/null; exec ${[process.execPath, ...nodeArgs].map(quote).join(" ")}`], {
          cwd: repoRoot,
          stdio: ["ignore", 2, 2, "ipc"]
        })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const waiting: Array<{ resolve: (reply: Reply) => void; reject: (e: Error) => void }> = []
  let ready: { resolve: () => void; reject: (e: Error) => void } | null = null
  const readyPromise = new Promise<void>((resolve, reject) => (ready = { resolve, reject }))
  child.on("message", (message: Reply) => {
    if (ready !== null) {
      const r = ready
      ready = null
      return r.resolve()
    }
    waiting.shift()?.resolve(message)
  })
  child.once("exit", (code, signal) => {
    const error = new Error(`${entry} exited (${code ?? signal})`)
    ready?.reject(error)
    for (const w of waiting.splice(0)) w.reject(error)
  })
  await readyPromise
  const pid = child.pid
  if (pid === undefined) throw new Error(`${entry}: no pid`)
  return {
    pid,
    process: child,
    request: (command) =>
      new Promise<Reply>((resolve, reject) => {
        waiting.push({ resolve, reject })
        child.send(command as object)
      }),
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      if (child.connected) child.disconnect()
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs)
      await exited
      clearTimeout(timer)
    }
  }
}

/**
 * Bundles `source` and the project modules it imports into dist/bench/ (dependencies stay
 * in node_modules; dynamic imports become chunks loaded only when reached). Two levels
 * below the root, like src/config/, so paths modules resolve from their own location
 * (config/honeyhole.yaml) still point at the repository's files.
 */
const transpile = async (source: string): Promise<string> => {
  const { build } = await import("esbuild")
  const outdir = fileURLToPath(new URL("../../dist/bench/", import.meta.url))
  const name = basename(source).replace(/\.ts$/, "")
  await build({
    entryPoints: { [name]: source },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    logLevel: "warning"
  })
  return join(outdir, `${name}.js`)
}

/** VmRSS and VmHWM of a process from /proc/<pid>/status, in bytes. */
export const procMemory = async (pid: number): Promise<{ readonly rss: number; readonly hwm: number }> => {
  const { readFile } = await import("node:fs/promises")
  const status = await readFile(`/proc/${pid}/status`, "utf8")
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") }
}

/** The soft "Max open files" limit of a running process, from /proc/<pid>/limits. */
export const openFilesLimit = async (pid: number): Promise<number> => {
  const { readFile } = await import("node:fs/promises")
  return Number(/^Max open files\s+(\d+)/m.exec(await readFile(`/proc/${pid}/limits`, "utf8"))?.[1] ?? Number.NaN)
}
