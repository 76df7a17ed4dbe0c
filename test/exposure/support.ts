/** Writes small nmap XML reports in nmap 7.93's structure, for import and detection tests. */
import { writeFileSync } from "node:fs"

export interface FakePort {
  readonly port: number
  readonly transport?: "tcp" | "udp"
  readonly state?: string
  readonly service?: string
}

export const nmapReport = (hosts: ReadonlyArray<{ ip: string; status?: string; ports: ReadonlyArray<FakePort> }>, services = "1-1000"): string =>
  [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<nmaprun scanner="nmap" args="nmap -n -oX - -p${services} test" start="1764500000" version="7.93" xmloutputversion="1.05">`,
    `<scaninfo type="syn" protocol="tcp" numservices="1000" services="${services}"/>`,
    ...hosts.map((h) =>
      [
        `<host starttime="1764500000" endtime="1764500001"><status state="${h.status ?? "up"}" reason="user-set" reason_ttl="0"/>`,
        `<address addr="${h.ip}" addrtype="ipv4"/>`,
        `<hostnames></hostnames>`,
        `<ports><extraports state="closed" count="${1000 - h.ports.length}"/>`,
        ...h.ports.map(
          (p) =>
            `<port protocol="${p.transport ?? "tcp"}" portid="${p.port}"><state state="${p.state ?? "open"}" reason="syn-ack" reason_ttl="64"/><service name="${p.service ?? "unknown"}" method="table" conf="3"/></port>`
        ),
        `</ports>`,
        `</host>`
      ].join("\n")
    ),
    `<runstats><finished time="1764500001" exit="success"/><hosts up="${hosts.length}" down="0" total="${hosts.length}"/></runstats>`,
    `</nmaprun>`,
    ``
  ].join("\n")

export const writeReport = (file: string, ...args: Parameters<typeof nmapReport>): string => {
  writeFileSync(file, nmapReport(...args))
  return file
}
