/**
 * Reads a whole nmap report for `inventory adopt-scan`. A baseline must come from a
 * complete, verified scan: any fault (truncation, malformed XML, limits) refuses it.
 */
import { Effect, Stream } from "effect"
import { NmapReadError, openReport, readNmap } from "../../adapters/nmap/reader.js"
import type { AdoptedHost } from "../../domain/inventory/adopt.js"

export const readScanFile = (file: string) =>
  Stream.fromAsyncIterable(readNmap(openReport(file)), (e) =>
    e instanceof NmapReadError ? e : new NmapReadError("Read", e instanceof Error ? e.message : String(e), 0, 0)
  ).pipe(
    Stream.runFold([] as Array<AdoptedHost>, (hosts, item) => {
      if (item._tag === "Host" && item.host.status === "up") {
        hosts.push({
          ip: item.host.ip,
          hostname: item.host.hostnames[0] ?? null,
          open: item.host.ports.filter((p) => p.state === "open").map((p) => ({ port: p.port, transport: p.transport, service: p.service?.name ?? null }))
        })
      }
      return hosts
    }),
    Effect.mapError((e) => new NmapReadError(e.reason, `${file} is not a complete scan, not adopted: ${e.detail}`, e.line, e.offset))
  )
