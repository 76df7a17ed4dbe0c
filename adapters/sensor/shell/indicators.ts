/**
 * Indicators in a command line: the URLs a bot tried to fetch and the hosts it named.
 * Droppers spell downloads many ways (seed ch. 5.2: `wget http://h/x || curl -O …`,
 * `busybox tftp h -c get x`, `busybox tftp -r x -g h`, `ftpget h local remote`), so
 * besides literal URLs we rebuild tftp:// and ftp:// URLs from those commands' arguments.
 */
import type { SimpleCommand } from "./parse.js"

export interface Indicators {
  readonly urls: ReadonlyArray<string>
  readonly hosts: ReadonlyArray<string>
}

const maxIndicators = 32
const urlPattern = /\b(?:https?|ftp|tftp):\/\/[^\s'"`;|&<>()]+/gi
const ipv4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/
const hostname = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i

/** an IPv4 address or a dotted DNS name, with an optional :port */
export const asHost = (text: string): string | null => {
  const bare = text.replace(/:\d{1,5}$/, "")
  return ipv4.test(bare) || hostname.test(bare) ? bare.toLowerCase() : null
}

const hostOfUrl = (url: string): string | null => {
  const m = /^[a-z]+:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^/:?#]+)/i.exec(url)
  return m?.[1] === undefined ? null : m[1].startsWith("[") ? m[1] : asHost(m[1])
}

const base = (argv0: string) => argv0.slice(argv0.lastIndexOf("/") + 1)

/** `busybox tftp …` → `tftp …` */
const unwrap = (argv: ReadonlyArray<string>): ReadonlyArray<string> => (argv[0] !== undefined && base(argv[0]) === "busybox" ? argv.slice(1) : argv)

/** options that take a value, per downloader, so values are not mistaken for hosts */
const valued: Record<string, ReadonlySet<string>> = {
  tftp: new Set(["-r", "-l", "-b", "-m", "-R"]),
  ftpget: new Set(["-u", "-p", "-P"]),
  nc: new Set(["-p", "-s", "-w", "-e", "-i"]),
  wget: new Set(["-O", "-o", "-P", "-U", "-T", "-t", "-Y", "--header", "--user-agent"]),
  curl: new Set(["-o", "-A", "-H", "-u", "-e", "-m", "-x", "--output", "--user-agent", "--header"])
}

const positional = (args: ReadonlyArray<string>, withValue: ReadonlySet<string>): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (withValue.has(a)) i++
    else if (!a.startsWith("-")) out.push(a)
  }
  return out
}

const optionValue = (args: ReadonlyArray<string>, flag: string): string | undefined => {
  const i = args.indexOf(flag)
  return i >= 0 ? args[i + 1] : undefined
}

/** URLs and hosts implied by one command's arguments */
const fromCommand = (argv: ReadonlyArray<string>, urls: Array<string>, hosts: Array<string>) => {
  const [name0, ...args] = unwrap(argv)
  if (name0 === undefined) return
  const name = base(name0)
  if (name === "tftp") {
    // BusyBox: tftp [-g|-p] -r REMOTE [-l LOCAL] HOST [PORT]; tftp-hpa: tftp HOST [PORT] -c get|put FILE
    const pos = positional(args, valued["tftp"]!)
    const c = args.indexOf("-c")
    const host = pos.find((p) => asHost(p) !== null)
    const file = optionValue(args, "-r") ?? (c >= 0 ? args[c + 2] : undefined)
    if (host !== undefined) {
      hosts.push(asHost(host)!)
      if (file !== undefined) urls.push(`tftp://${host}/${file.replace(/^\/+/, "")}`)
    }
  } else if (name === "ftpget" || name === "ftpput") {
    // ftpget [-u USER -p PASS -P PORT] HOST LOCAL_FILE REMOTE_FILE
    const [host, , remote] = positional(args, valued["ftpget"]!)
    if (host !== undefined && asHost(host) !== null) {
      hosts.push(asHost(host)!)
      if (remote !== undefined) urls.push(`ftp://${host}/${remote.replace(/^\/+/, "")}`)
    }
  } else if (name === "wget" || name === "curl") {
    // scheme-less targets (`wget 1.2.3.4/x.sh`); URLs with a scheme are matched on the whole line
    for (const p of positional(args, valued[name]!)) {
      if (p.includes("://") || !p.includes("/")) continue
      const h = asHost(p.slice(0, p.indexOf("/")))
      if (h !== null) {
        hosts.push(h)
        urls.push(`http://${p}`)
      }
    }
  } else if (["nc", "telnet", "ping", "ssh"].includes(name)) {
    for (const p of positional(args, valued[name] ?? new Set())) {
      const h = asHost(p.replace(/^[^@]*@/, ""))
      if (h !== null) hosts.push(h)
    }
  }
}

export const indicatorsOf = (line: string, commands: ReadonlyArray<SimpleCommand>): Indicators => {
  const urls: Array<string> = [...(line.match(urlPattern) ?? [])]
  const hosts: Array<string> = []
  for (const c of commands) fromCommand(c.argv, urls, hosts)
  for (const u of urls) {
    const h = hostOfUrl(u)
    if (h !== null) hosts.push(h)
  }
  const unique = (xs: Array<string>) => [...new Set(xs.map((x) => x.slice(0, 512)))].slice(0, maxIndicators)
  return { urls: unique(urls), hosts: unique(hosts) }
}
