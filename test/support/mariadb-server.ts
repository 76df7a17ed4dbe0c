import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { freeTcpPort, loopback } from "./free-port.js"
import { type Daemon, findBinary, isRoot, readTail, registerTempDir, removeTempDir, spawnDaemon, waitUntil } from "./process.js"

/**
 * A real MariaDB server per test file: a fresh datadir in a temp dir, mariadbd
 * in the foreground on 127.0.0.1 and a free port, a password user owning the
 * `honeyhole_test` database. Grant tables are on (no --skip-grant-tables):
 * the read-model code must authenticate as it would in production.
 * Initialising and starting take well under a second on a small InnoDB.
 * No vitest import: usable from bench/ scripts; tests use ./mariadb.js.
 */

export const mariaDbDatabase = "honeyhole_test"
export const mariaDbUser = "honeyhole"
export const mariaDbPassword = "secret"

export interface MariaDb {
  /** `mysql://honeyhole:secret@127.0.0.1:PORT/honeyhole_test` */
  readonly url: string
  readonly port: number
  readonly dir: string
  readonly daemon: Daemon
  readonly stop: () => Promise<void>
}

// Small InnoDB files and no fsync: startup speed over durability, it is a test server.
const serverTuning = [
  "--innodb-buffer-pool-size=32M",
  "--innodb-log-file-size=8M",
  "--innodb-flush-log-at-trx-commit=0",
  "--innodb-doublewrite=0",
  "--skip-log-bin",
  "--performance-schema=OFF",
  "--character-set-server=utf8mb4",
  "--collation-server=utf8mb4_unicode_ci"
]

// Runs with grant tables loaded (unlike mariadb-install-db's --extra-file,
// which bootstraps with grants skipped and rejects CREATE USER).
const initSql = `
CREATE DATABASE IF NOT EXISTS ${mariaDbDatabase};
CREATE USER IF NOT EXISTS '${mariaDbUser}'@'%' IDENTIFIED BY '${mariaDbPassword}';
GRANT ALL PRIVILEGES ON ${mariaDbDatabase}.* TO '${mariaDbUser}'@'%';
`

const osUser = (): string => Os.userInfo().username

const run = (command: string, args: ReadonlyArray<string>, logFile: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const fd = Fs.openSync(logFile, "a")
    const child = ChildProcess.spawn(command, [...args], { stdio: ["ignore", fd, fd] })
    Fs.closeSync(fd)
    child.once("error", reject)
    child.once("exit", (code, signal) => {
      if (code === 0) resolve()
      else {
        const status = signal !== null ? `signal ${signal}` : `exit code ${String(code)}`
        reject(new Error(`${Path.basename(command)} failed with ${status}\n--- ${logFile} ---\n${readTail(logFile, 40)}`))
      }
    })
  })

const acceptsTcp = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = Net.connect({ host: loopback, port })
    socket.setTimeout(1_000)
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
    socket.once("timeout", () => done(false))
  })

const binary = (name: string): string => {
  const file = findBinary(name)
  if (file === undefined) throw new Error(`cannot start MariaDB: ${name} not found (Debian package mariadb-server)`)
  return file
}

export const startMariaDb = async (): Promise<MariaDb> => {
  const installDb = binary("mariadb-install-db")
  const mariadbd = binary("mariadbd")
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "honeyhole-mariadb-"))
  registerTempDir(dir)
  const dataDir = Path.join(dir, "data")
  const tmpDir = Path.join(dir, "tmp")
  Fs.mkdirSync(tmpDir)
  // unix socket paths are limited to 107 bytes; a long TMPDIR must not break startup
  const socket = Path.join(dir, "mysql.sock").length < 100
    ? Path.join(dir, "mysql.sock")
    : Path.join(Fs.mkdtempSync("/tmp/hh-mdb-"), "mysql.sock")
  if (!socket.startsWith(dir)) registerTempDir(Path.dirname(socket))
  const initFile = Path.join(dir, "init.sql")
  Fs.writeFileSync(initFile, initSql)
  const runAs = isRoot() ? ["--user=root"] : []

  await run(installDb, [
    "--no-defaults",
    "--auth-root-authentication-method=normal",
    "--skip-test-db",
    "--skip-name-resolve",
    `--datadir=${dataDir}`,
    `--user=${osUser()}`,
    ...serverTuning
  ], Path.join(dir, "install-db.log"))

  const port = await freeTcpPort()
  const daemon = spawnDaemon({
    name: "mariadbd",
    command: mariadbd,
    dir,
    args: [
      "--no-defaults",
      ...runAs,
      `--datadir=${dataDir}`,
      `--tmpdir=${tmpDir}`,
      `--socket=${socket}`,
      `--pid-file=${Path.join(dir, "mariadbd.pid")}`,
      `--port=${port}`,
      `--bind-address=${loopback}`,
      "--skip-name-resolve",
      `--init-file=${initFile}`,
      ...serverTuning
    ]
  })
  const stop = async (): Promise<void> => {
    await daemon.stop()
    removeTempDir(dir)
    if (!socket.startsWith(dir)) removeTempDir(Path.dirname(socket))
  }
  try {
    // the init file has run once the server announces it is ready
    await waitUntil(
      async () => daemon.log().includes("ready for connections") && (await acceptsTcp(port)),
      { description: `mariadbd on ${loopback}:${port}`, timeoutMs: 60_000, daemon }
    )
  } catch (error) {
    await daemon.stop()
    throw error
  }
  return {
    url: `mysql://${mariaDbUser}:${mariaDbPassword}@${loopback}:${port}/${mariaDbDatabase}`,
    port,
    dir,
    daemon,
    stop
  }
}

