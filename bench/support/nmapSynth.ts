/**
 * Two synthetic nmap 7.93 XML reports of one network (a /16 for the benchmark, a /24 in
 * tests) — data only, nothing is scanned. The structure is copied from real `nmap -v -sV
 * -oX` runs on loopback (prolog with DOCTYPE, stylesheet and comment, nmaprun, scaninfo per
 * protocol, verbose/debugging, task elements, hosts with status, address, hostnames,
 * ports with extraports/extrareasons, port/state/service/cpe/script, times; runstats).
 *
 * The second report ("tomorrow's scan") differs from the first on about 1 % of the hosts,
 * and every difference is recorded in `changes`, so a benchmark can check what a diff found:
 *  - `openedUnexpected`: ports from a pool that is never open in the first report → each
 *    is exactly one new finding against an inventory adopted from the first report, and is
 *    resolved when the first report is imported again;
 *  - `openedUsual`: 22/80/443 tcp, open on many hosts in the first report: the adopted type
 *    allows them, so no finding (ndiff still lists them);
 *  - `closed`: an open port of the first report is gone (it falls into extraports);
 *  - `wentDown`: an up host is down;
 *  - `appeared`: a host that was down is up, with a profile's ports: it is in no inventory,
 *    so each of its open ports is a finding.
 * One NSE script per port at most: Debian's ndiff (7.93, python3) crashes sorting two
 * script results of one port.
 * Deterministic: the same seed writes the same bytes.
 */
import { closeSync, openSync, writeSync } from "node:fs"

export interface SynthOptions {
  /** CIDR of the scanned network, /16 to /30 */
  readonly network: string
  readonly seed: number
  /** share of hosts changed between the reports (default 0.01) */
  readonly changeRate?: number
}

export interface SynthPort {
  readonly port: number
  readonly transport: "tcp" | "udp"
}

export interface SynthResult {
  readonly hosts: number
  readonly hostsUp: { readonly a: number; readonly b: number }
  /** ports in state "open", both transports */
  readonly openPorts: { readonly a: number; readonly b: number }
  readonly bytes: { readonly a: number; readonly b: number }
  readonly changes: {
    readonly openedUnexpected: ReadonlyArray<SynthPort & { readonly ip: string }>
    readonly openedUsual: ReadonlyArray<SynthPort & { readonly ip: string }>
    readonly closed: ReadonlyArray<SynthPort & { readonly ip: string }>
    readonly wentDown: ReadonlyArray<string>
    readonly appeared: ReadonlyArray<{ readonly ip: string; readonly open: ReadonlyArray<SynthPort> }>
  }
  /** PortExposureDetected expected when B is imported against the inventory adopted from A (after importing A) */
  readonly expectedDetected: number
  /** PortExposureResolved expected when A is imported again after B */
  readonly expectedResolved: number
}

/** splitmix32: small, fast, good enough to pick ports */
const rng = (seed: number) => {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296
  }
}
type Rng = ReturnType<typeof rng>
const pick = <A>(r: Rng, xs: ReadonlyArray<A>): A => xs[Math.floor(r() * xs.length)]!
const hex = (r: Rng, n: number) => Array.from({ length: n }, () => Math.floor(r() * 256).toString(16).padStart(2, "0")).join("")
const b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
const b64 = (r: Rng, n: number) => Array.from({ length: n }, () => b64chars[Math.floor(r() * 64)]).join("")

interface Service {
  readonly name: string
  readonly product?: string
  readonly version?: string
  readonly extrainfo?: string
  readonly ostype?: string
  readonly tunnel?: string
  readonly cpe?: ReadonlyArray<string>
  /** NSE script kind rendered under the port */
  readonly script?: "ssh" | "http" | "ssl"
}

interface PortFact extends SynthPort {
  readonly state: "open" | "open|filtered" | "filtered" | "closed"
  readonly reason: string
  readonly ttl: number
  readonly service: Service | null
}

const S = {
  ssh: { name: "ssh", product: "OpenSSH", version: "8.4p1 Debian 5+deb11u3", extrainfo: "protocol 2.0", ostype: "Linux", cpe: ["cpe:/a:openbsd:openssh:8.4p1", "cpe:/o:linux:linux_kernel"], script: "ssh" },
  dropbear: { name: "ssh", product: "Dropbear sshd", version: "2020.81", extrainfo: "protocol 2.0", ostype: "Linux", cpe: ["cpe:/a:matt_johnston:dropbear_ssh_server:2020.81", "cpe:/o:linux:linux_kernel"], script: "ssh" },
  apache: { name: "http", product: "Apache httpd", version: "2.4.56", extrainfo: "(Debian)", cpe: ["cpe:/a:apache:http_server:2.4.56"], script: "http" },
  nginx: { name: "http", product: "nginx", version: "1.18.0", cpe: ["cpe:/a:igor_sysoev:nginx:1.18.0"], script: "http" },
  https: { name: "http", product: "nginx", version: "1.18.0", tunnel: "ssl", cpe: ["cpe:/a:igor_sysoev:nginx:1.18.0"], script: "ssl" },
  lighttpd: { name: "http", product: "lighttpd", version: "1.4.59", cpe: ["cpe:/a:lighttpd:lighttpd:1.4.59"], script: "http" },
  proxy: { name: "http-proxy", product: "Squid http proxy", version: "4.13", cpe: ["cpe:/a:squid-cache:squid:4.13"] },
  smtp: { name: "smtp", product: "Postfix smtpd", cpe: ["cpe:/a:postfix:postfix"] },
  pop3: { name: "pop3", product: "Dovecot pop3d", cpe: ["cpe:/a:dovecot:dovecot"] },
  imap: { name: "imap", product: "Dovecot imapd", cpe: ["cpe:/a:dovecot:dovecot"] },
  imaps: { name: "imap", product: "Dovecot imapd", tunnel: "ssl", cpe: ["cpe:/a:dovecot:dovecot"] },
  submission: { name: "smtp", product: "Postfix smtpd", cpe: ["cpe:/a:postfix:postfix"] },
  bind: { name: "domain", product: "ISC BIND", version: "9.16.44", extrainfo: "Debian Linux", cpe: ["cpe:/a:isc:bind:9.16.44", "cpe:/o:linux:linux_kernel"] },
  sip: { name: "sip", product: "Asterisk PBX", version: "18.15.0", cpe: ["cpe:/a:digium:asterisk:18.15.0"] },
  snmp: { name: "snmp", product: "SNMPv1 server; net-snmp SNMPv3 server", extrainfo: "public" },
  ntp: { name: "ntp", product: "NTP", version: "v4", extrainfo: "secondary server" },
  msrpc: { name: "msrpc", product: "Microsoft Windows RPC", ostype: "Windows", cpe: ["cpe:/o:microsoft:windows"] },
  netbios: { name: "netbios-ssn", product: "Microsoft Windows netbios-ssn", ostype: "Windows", cpe: ["cpe:/o:microsoft:windows"] },
  smb: { name: "microsoft-ds" },
  rdp: { name: "ms-wbt-server", product: "Microsoft Terminal Services", ostype: "Windows", cpe: ["cpe:/o:microsoft:windows"] },
  mysql: { name: "mysql", product: "MySQL", version: "5.5.5-10.5.21-MariaDB-0+deb11u1", cpe: ["cpe:/a:mysql:mysql:5.5.5-10.5.21-mariadb-0+deb11u1"] },
  postgres: { name: "postgresql", product: "PostgreSQL DB", version: "13.11 - 13.13", cpe: ["cpe:/a:postgresql:postgresql:13"] },
  lpd: { name: "printer" },
  ipp: { name: "ipp", product: "CUPS", version: "2.3", cpe: ["cpe:/a:apple:cups:2.3"], script: "http" },
  jetdirect: { name: "jetdirect" },
  tcpwrapped: { name: "tcpwrapped" },
  // the unexpected ones
  redis: { name: "redis", product: "Redis key-value store", version: "6.0.16", cpe: ["cpe:/a:redislabs:redis:6.0.16"] },
  mongodb: { name: "mongodb", product: "MongoDB", version: "4.4.29", cpe: ["cpe:/a:mongodb:mongodb:4.4.29"] },
  elastic: { name: "http", product: "Elasticsearch REST API", version: "7.17.9", extrainfo: "name: node-1; cluster: es; Lucene 8.11.1", cpe: ["cpe:/a:elasticsearch:elasticsearch:7.17.9"], script: "http" },
  vnc: { name: "vnc", product: "VNC", extrainfo: "protocol 3.8" },
  telnet: { name: "telnet", product: "BusyBox telnetd", cpe: ["cpe:/a:busybox:busybox"] },
  ftp: { name: "ftp", product: "vsftpd", version: "3.0.3", ostype: "Unix", cpe: ["cpe:/a:vsftpd:vsftpd:3.0.3"] },
  memcached: { name: "memcache" },
  ssdp: { name: "upnp" },
  unknown: { name: "unknown" }
} satisfies Record<string, Service>

type Spec = readonly [number, "tcp" | "udp", Service, ("open" | "open|filtered")?]

/** host profiles: weight, ports (some optional, by probability) */
const profiles: ReadonlyArray<{ readonly weight: number; readonly always: ReadonlyArray<Spec>; readonly maybe: ReadonlyArray<readonly [number, Spec]> }> = [
  { weight: 30, always: [[22, "tcp", S.ssh], [80, "tcp", S.apache], [443, "tcp", S.https]], maybe: [[0.3, [8080, "tcp", S.proxy]], [0.2, [8443, "tcp", S.https]], [0.2, [3306, "tcp", S.mysql]]] },
  { weight: 5, always: [[22, "tcp", S.ssh], [25, "tcp", S.smtp], [143, "tcp", S.imap], [587, "tcp", S.submission], [993, "tcp", S.imaps]], maybe: [[0.5, [110, "tcp", S.pop3]], [0.5, [995, "tcp", S.imaps]], [0.4, [465, "tcp", S.submission]]] },
  { weight: 4, always: [[22, "tcp", S.ssh], [53, "tcp", S.bind], [53, "udp", S.bind, "open"]], maybe: [[0.5, [123, "udp", S.ntp, "open"]], [0.3, [953, "tcp", S.unknown]]] },
  { weight: 10, always: [[5060, "udp", S.sip, "open"], [5060, "tcp", S.sip], [22, "tcp", S.ssh], [80, "tcp", S.apache]], maybe: [[0.5, [5061, "tcp", S.sip]], [0.4, [443, "tcp", S.https]]] },
  { weight: 25, always: [[22, "tcp", S.dropbear], [80, "tcp", S.lighttpd]], maybe: [[0.7, [443, "tcp", S.https]], [0.6, [161, "udp", S.snmp, "open"]], [0.4, [123, "udp", S.ntp, "open|filtered"]], [0.3, [8080, "tcp", S.lighttpd]]] },
  { weight: 10, always: [[135, "tcp", S.msrpc], [139, "tcp", S.netbios], [445, "tcp", S.smb], [3389, "tcp", S.rdp]], maybe: [[0.4, [5985, "tcp", S.unknown]], [0.3, [137, "udp", S.netbios, "open|filtered"]]] },
  { weight: 5, always: [[22, "tcp", S.ssh], [5432, "tcp", S.postgres]], maybe: [[0.5, [3306, "tcp", S.mysql]], [0.3, [9100, "tcp", S.unknown]]] },
  { weight: 5, always: [[80, "tcp", S.lighttpd], [515, "tcp", S.lpd], [631, "tcp", S.ipp], [9100, "tcp", S.jetdirect]], maybe: [[0.6, [443, "tcp", S.https]], [0.5, [161, "udp", S.snmp, "open"]]] },
  { weight: 6, always: [[22, "tcp", S.ssh]], maybe: [[0.5, [111, "tcp", S.tcpwrapped]], [0.5, [123, "udp", S.ntp, "open|filtered"]], [0.4, [10050, "tcp", S.unknown]]] }
]
const totalWeight = profiles.reduce((n, p) => n + p.weight, 0)

/** never open in the first report: each opening is a finding */
const unexpectedPool: ReadonlyArray<Spec> = [
  [6379, "tcp", S.redis], [27017, "tcp", S.mongodb], [9200, "tcp", S.elastic], [5900, "tcp", S.vnc], [23, "tcp", S.telnet],
  [21, "tcp", S.ftp], [2323, "tcp", S.telnet], [4444, "tcp", S.unknown], [31337, "tcp", S.unknown], [11211, "udp", S.memcached, "open"], [1900, "udp", S.ssdp, "open"]
]
/** open on many hosts of the first report, so adopted as allowed */
const usualPool: ReadonlyArray<Spec> = [[22, "tcp", S.ssh], [80, "tcp", S.apache], [443, "tcp", S.https]]
/** filtered ports nmap lists one by one (a firewall dropping them) */
const filteredPool: ReadonlyArray<number> = [25, 135, 139, 445, 1433, 3128]

const udpScanned = [53, 67, 69, 123, 137, 161, 500, 1900, 5060, 11211]

const portFact = (r: Rng, [port, transport, service, udpState]: Spec): PortFact =>
  transport === "udp"
    ? { port, transport, state: udpState ?? "open", reason: udpState === "open|filtered" ? "no-response" : "udp-response", ttl: udpState === "open|filtered" ? 0 : 63, service }
    : { port, transport, state: "open", reason: "syn-ack", ttl: r() < 0.9 ? 63 : 127, service }

const byPort = (a: SynthPort, b: SynthPort) => (a.transport === b.transport ? a.port - b.port : a.transport === "tcp" ? -1 : 1)

const hostPorts = (r: Rng): Array<PortFact> => {
  let w = r() * totalWeight
  const profile = profiles.find((p) => (w -= p.weight) < 0) ?? profiles[0]!
  const ports = profile.always.map((s) => portFact(r, s))
  for (const [p, s] of profile.maybe) if (r() < p) ports.push(portFact(r, s))
  if (r() < 0.3) {
    const port = pick(r, filteredPool)
    if (!ports.some((p) => p.port === port && p.transport === "tcp")) ports.push({ port, transport: "tcp", state: "filtered", reason: "no-response", ttl: 0, service: null })
  }
  return ports.sort(byPort)
}

const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll('"', "&quot;").replaceAll("'", "&apos;")

const scriptXml = (r: Rng, kind: NonNullable<Service["script"]>, ip: string): string => {
  switch (kind) {
    case "ssh": {
      const keys = [
        ["ssh-rsa", "3072", hex(r, 16), `AAAAB3NzaC1yc2EAAAADAQABAAABgQ${b64(r, 514)}`, "RSA"],
        ["ecdsa-sha2-nistp256", "256", hex(r, 16), `AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB${b64(r, 87)}=`, "ECDSA"],
        ["ssh-ed25519", "256", hex(r, 16), `AAAAC3NzaC1lZDI1NTE5AAAAI${b64(r, 43)}`, "ED25519"]
      ] as const
      const output = keys.map(([, bits, fp, , name]) => `&#xa;  ${bits} ${fp.match(/../g)!.join(":")} (${name})`).join("")
      const tables = keys.map(([type, bits, fp, key]) => `<table>\n<elem key="type">${type}</elem>\n<elem key="bits">${bits}</elem>\n<elem key="fingerprint">${fp}</elem>\n<elem key="key">${key}</elem>\n</table>\n`).join("")
      return `<script id="ssh-hostkey" output="${output}">${tables}</script>`
    }
    case "http": {
      const title = r() < 0.5 ? "Site doesn&apos;t have a title (text/html)." : pick(r, ["Login", "Apache2 Debian Default Page: It works", "Welcome to nginx!", "RouterOS router configuration page", "FreePBX Administration"])
      return `<script id="http-title" output="${title}"><elem key="title">${title}</elem></script>`
    }
    case "ssl": {
      const cn = `h${ip.replaceAll(".", "-")}.corp.example.net`
      return `<script id="ssl-cert" output="Subject: commonName=${cn}&#xa;Subject Alternative Name: DNS:${cn}&#xa;Not valid before: 2026-09-01T00:00:00&#xa;Not valid after:  2026-11-30T23:59:59"><table key="subject">\n<elem key="commonName">${cn}</elem>\n</table>\n<table key="issuer">\n<elem key="commonName">R3</elem>\n<elem key="countryName">US</elem>\n<elem key="organizationName">Let&apos;s Encrypt</elem>\n</table>\n<table key="pubkey">\n<elem key="type">rsa</elem>\n<elem key="bits">2048</elem>\n<elem key="modulus">${hex(r, 64).toUpperCase()}</elem>\n<elem key="exponent">65537</elem>\n</table>\n<table key="extensions">\n<table>\n<elem key="name">X509v3 Subject Alternative Name</elem>\n<elem key="value">DNS:${cn}</elem>\n</table>\n</table>\n<elem key="sig_algo">sha256WithRSAEncryption</elem>\n<table key="validity">\n<elem key="notBefore">2026-09-01T00:00:00</elem>\n<elem key="notAfter">2026-11-30T23:59:59</elem>\n</table>\n<elem key="md5">${hex(r, 16)}</elem>\n<elem key="sha1">${hex(r, 20)}</elem>\n<elem key="pem">-----BEGIN CERTIFICATE-----&#xa;${b64(r, 256)}&#xa;-----END CERTIFICATE-----&#xa;</elem>\n</script>`
    }
  }
}

const serviceXml = (s: Service, r: Rng, ip: string): string => {
  const attrs = [
    `name="${s.name}"`,
    s.product === undefined ? "" : ` product="${esc(s.product)}"`,
    s.version === undefined ? "" : ` version="${esc(s.version)}"`,
    s.extrainfo === undefined ? "" : ` extrainfo="${esc(s.extrainfo)}"`,
    s.ostype === undefined ? "" : ` ostype="${s.ostype}"`,
    s.tunnel === undefined ? "" : ` tunnel="${s.tunnel}"`,
    s.product === undefined ? ` method="table" conf="3"` : ` method="probed" conf="10"`
  ].join("")
  const cpe = (s.cpe ?? []).map((c) => `<cpe>${c}</cpe>`).join("")
  const script = s.script === undefined ? "" : scriptXml(r, s.script, ip)
  return cpe === "" ? `<service ${attrs}/>${script}` : `<service ${attrs}>${cpe}</service>${script}`
}

/** "1,3-5" from sorted distinct ports */
const ranges = (ports: ReadonlyArray<number>): string => {
  const out: Array<string> = []
  for (let i = 0; i < ports.length; ) {
    let j = i
    while (j + 1 < ports.length && ports[j + 1] === ports[j]! + 1) j++
    out.push(i === j ? `${ports[i]}` : `${ports[i]}-${ports[j]}`)
    i = j + 1
  }
  return out.join(",")
}

/** the complement of `listed` in [1, max] as nmap's extrareasons `ports` list */
const complement = (listed: ReadonlyArray<number>, max: number, universe?: ReadonlyArray<number>): string => {
  if (universe !== undefined) return ranges(universe.filter((p) => !listed.includes(p)))
  const parts: Array<string> = []
  let from = 1
  for (const p of listed) {
    if (p > from) parts.push(p - 1 === from ? `${from}` : `${from}-${p - 1}`)
    from = p + 1
  }
  if (from <= max) parts.push(from === max ? `${from}` : `${from}-${max}`)
  return parts.join(",")
}

interface HostState {
  readonly ip: string
  readonly up: boolean
  readonly hostname: string | null
  readonly ports: ReadonlyArray<PortFact>
}

/** `renderSeed` drives script bytes and timings: the same host renders the same in both reports (real host keys do not change overnight) */
const hostXml = (h: HostState, t: number, renderSeed: number): string => {
  const r = rng(renderSeed)
  if (!h.up) return `<host><status state="down" reason="no-response" reason_ttl="0"/>\n<address addr="${h.ip}" addrtype="ipv4"/>\n</host>\n`
  const tcp = h.ports.filter((p) => p.transport === "tcp").map((p) => p.port)
  const udp = h.ports.filter((p) => p.transport === "udp").map((p) => p.port)
  const closed = 65535 - tcp.length + udpScanned.length - udp.length
  const hostnames = h.hostname === null ? "<hostnames>\n</hostnames>\n" : `<hostnames>\n<hostname name="${h.hostname}" type="PTR"/>\n</hostnames>\n`
  const ports = h.ports
    .map((p) => `<port protocol="${p.transport}" portid="${p.port}"><state state="${p.state}" reason="${p.reason}" reason_ttl="${p.ttl}"/>${p.service === null ? "" : serviceXml(p.service, rng((renderSeed ^ Math.imul(p.port + 1, 0x01000193)) >>> 0), h.ip)}</port>\n`)
    .join("")
  return (
    `<host starttime="${t}" endtime="${t + 30 + Math.floor(r() * 60)}"><status state="up" reason="echo-reply" reason_ttl="63"/>\n` +
    `<address addr="${h.ip}" addrtype="ipv4"/>\n${hostnames}` +
    `<ports><extraports state="closed" count="${closed}">\n` +
    `<extrareasons reason="reset" count="${65535 - tcp.length}" proto="tcp" ports="${complement(tcp, 65535)}"/>\n` +
    `<extrareasons reason="port-unreach" count="${udpScanned.length - udp.length}" proto="udp" ports="${complement(udp, 0, udpScanned)}"/>\n` +
    `</extraports>\n${ports}</ports>\n<times srtt="${1000 + Math.floor(r() * 9000)}" rttvar="${100 + Math.floor(r() * 2000)}" to="100000"/>\n</host>\n`
  )
}

const header = (file: string, network: string, start: number, total: number) => {
  const date = new Date(start * 1000).toUTCString()
  const args = `nmap -v -sS -sU -sV -sC -T4 -p T:1-65535,U:${udpScanned.join(",")} -oX ${file} ${network}`
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>\n` +
    `<!-- Nmap 7.93 scan initiated ${date} as: ${args} -->\n` +
    `<nmaprun scanner="nmap" args="${args}" start="${start}" startstr="${date}" version="7.93" xmloutputversion="1.05">\n` +
    `<scaninfo type="syn" protocol="tcp" numservices="65535" services="1-65535"/>\n` +
    `<scaninfo type="udp" protocol="udp" numservices="${udpScanned.length}" services="${ranges(udpScanned)}"/>\n` +
    `<verbose level="1"/>\n<debugging level="0"/>\n` +
    `<taskbegin task="Ping Scan" time="${start}"/>\n<taskend task="Ping Scan" time="${start + 40}" extrainfo="${total} total hosts"/>\n` +
    `<taskbegin task="SYN Stealth Scan" time="${start + 41}"/>\n`
  )
}

const footer = (start: number, end: number, up: number, total: number) => {
  const date = new Date(end * 1000).toUTCString()
  return (
    `<taskend task="NSE" time="${end}"/>\n` +
    `<runstats><finished time="${end}" timestr="${date}" summary="Nmap done at ${date}; ${total} IP addresses (${up} hosts up) scanned in ${end - start}.00 seconds" elapsed="${end - start}.00" exit="success"/><hosts up="${up}" down="${total - up}" total="${total}"/>\n</runstats>\n</nmaprun>\n`
  )
}

/** Buffered writer: nmap reports are written in 1 MB pieces, never held whole. */
const sink = (path: string) => {
  const fd = openSync(path, "w")
  let parts: Array<string> = []
  let size = 0
  let bytes = 0
  const flush = () => {
    const text = parts.join("")
    bytes += writeSync(fd, text)
    parts = []
    size = 0
  }
  return {
    write: (s: string) => {
      parts.push(s)
      size += s.length
      if (size > 1 << 20) flush()
    },
    close: () => {
      flush()
      closeSync(fd)
      return bytes
    }
  }
}

const parseNetwork = (cidr: string): { readonly base: number; readonly size: number } => {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr)
  const len = Number(m?.[5])
  if (m === null || !(len >= 16 && len <= 30)) throw new Error(`network must be an IPv4 CIDR from /16 to /30, got ${JSON.stringify(cidr)}`)
  const size = 2 ** (32 - len)
  const base = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0
  return { base: base - (base % size), size }
}
const ipText = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`

/** Writes the two reports; returns what differs between them and the findings that follow. */
export const writeSynthPair = (fileA: string, fileB: string, options: SynthOptions): SynthResult => {
  const { base, size } = parseNetwork(options.network)
  const rate = options.changeRate ?? 0.01
  const start = 1796000000
  const a = sink(fileA)
  const b = sink(fileB)
  a.write(header(fileA, options.network, start, size))
  b.write(header(fileB, options.network, start + 86400, size))
  const openedUnexpected: Array<SynthPort & { ip: string }> = []
  const openedUsual: Array<SynthPort & { ip: string }> = []
  const closed: Array<SynthPort & { ip: string }> = []
  const wentDown: Array<string> = []
  const appeared: Array<{ ip: string; open: ReadonlyArray<SynthPort> }> = []
  const openInA = new Set<string>()
  const up = { a: 0, b: 0 }
  const open = { a: 0, b: 0 }
  const countOpen = (h: HostState) => (h.up ? h.ports.filter((p) => p.state === "open").length : 0)
  for (let i = 0; i < size; i++) {
    const ip = ipText(base + i)
    const r = rng((options.seed * 0x10001 + i * 0x9e37) >>> 0)
    const hostname = r() < 0.7 ? `h${ip.replaceAll(".", "-")}.${pick(r, ["corp", "dyn", "voip", "mgmt"])}.example.net` : null
    const hostA: HostState = { ip, up: r() >= 0.012, hostname, ports: hostPorts(r) }
    // what changes is drawn from its own stream, so it never shifts the first report's bytes
    const c = rng((options.seed * 0x2545f491 + i * 0x27d4eb2f) >>> 0)
    let hostB: HostState = hostA
    const roll = c()
    const existing = hostA.up && hostA.ports.some((p) => p.state === "open")
    if (!hostA.up) {
      if (roll < 0.1) {
        hostB = { ...hostA, up: true }
        appeared.push({ ip, open: hostA.ports.filter((p) => p.state === "open").map(({ port, transport }) => ({ port, transport })) })
      }
    } else if (existing && roll < rate * 0.4) {
      const spec = pick(c, unexpectedPool)
      hostB = { ...hostA, ports: [...hostA.ports, portFact(c, spec)].sort(byPort) }
      openedUnexpected.push({ ip, port: spec[0], transport: spec[1] })
    } else if (existing && roll < rate * 0.55) {
      const spec = usualPool.find(([port, transport]) => !hostA.ports.some((p) => p.port === port && p.transport === transport))
      if (spec !== undefined) {
        hostB = { ...hostA, ports: [...hostA.ports, portFact(c, spec)].sort(byPort) }
        openedUsual.push({ ip, port: spec[0], transport: spec[1] })
      }
    } else if (existing && roll < rate * 0.9) {
      const candidates = hostA.ports.filter((p) => p.state === "open")
      const gone = pick(c, candidates)
      hostB = { ...hostA, ports: hostA.ports.filter((p) => p !== gone) }
      closed.push({ ip, port: gone.port, transport: gone.transport })
    } else if (roll < rate) {
      hostB = { ...hostA, up: false }
      wentDown.push(ip)
    }
    const t = start + 60 + Math.floor((i * 3600) / size)
    const renderSeed = (options.seed * 0x6c8e9cf5 + i * 0x165667b1) >>> 0
    a.write(hostXml(hostA, t, renderSeed))
    b.write(hostXml(hostB, t + 86400, renderSeed))
    if (hostA.up) {
      up.a++
      for (const p of hostA.ports) if (p.state === "open") openInA.add(`${p.port}/${p.transport}`)
    }
    if (hostB.up) up.b++
    open.a += countOpen(hostA)
    open.b += countOpen(hostB)
  }
  const end = start + 3700
  a.write(footer(start, end, up.a, size))
  b.write(footer(start + 86400, end + 86400, up.b, size))
  const bytes = { a: a.close(), b: b.close() }
  // the classification above is only right if these hold; a failing check is a generator bug
  for (const [port, transport] of unexpectedPool) if (openInA.has(`${port}/${transport}`)) throw new Error(`synth: ${port}/${transport} is open in the first report`)
  for (const u of openedUsual) if (!openInA.has(`${u.port}/${u.transport}`) && size >= 256) throw new Error(`synth: ${u.port}/${u.transport} is not open in the first report`)
  const appearedOpen = appeared.reduce((n, h) => n + h.open.length, 0)
  return {
    hosts: size,
    hostsUp: up,
    openPorts: open,
    bytes,
    changes: { openedUnexpected, openedUsual, closed, wentDown, appeared },
    expectedDetected: openedUnexpected.length + appearedOpen,
    expectedResolved: openedUnexpected.length
  }
}
