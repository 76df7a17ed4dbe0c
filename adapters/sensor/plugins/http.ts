/**
 * `http` / `https`: a stock Debian Apache 2.4 with the web applications scanners
 * probe for (see adapters/sensor/http/). HTTP/1.1 keep-alive with pipelining:
 * every request completed by a chunk is answered in order, up to Apache's
 * MaxKeepAliveRequests; a framing error is answered (400/413/414/431/501) and
 * ends the connection, as it does in Apache.
 *
 * Facts per PayloadReceived: the request completed by that chunk (method, path,
 * query, headers, user agent, host, body, exploit indicators, the status and page
 * we answered); further requests pipelined in the same chunk go under `pipelined`.
 *
 * Options: `server` (Server header), `realm` (HTTP Basic realm of the Tomcat
 * manager paths), `maxKeepAliveRequests`.
 */
import { randomBytes } from "node:crypto"
import { defaultServer, errorAnswer, phpSessionId, respond } from "../http/apache.js"
import type { Connection, Site } from "../http/apache.js"
import { requestFacts } from "../http/facts.js"
import { header } from "../http/message.js"
import type { HttpRequest } from "../http/message.js"
import { RequestFramer } from "../http/request.js"
import { encodeResponse } from "../http/response.js"
import { route } from "../http/routes.js"
import type { Routed } from "../http/routes.js"
import { nothing, optionNumber, optionString } from "../Plugin.js"
import type { Credential, Facts, PluginEntry, SessionContext, Step, StreamPlugin } from "../Plugin.js"

/** pipelined requests described in one event beyond the first */
const maxPipelinedFacts = 16

/** RFC 9112 §9.3: HTTP/1.1 persists unless `close`; HTTP/1.0 only with `keep-alive` */
const persists = (request: HttpRequest): boolean => {
  const connection = (header(request.headers, "connection") ?? "").toLowerCase()
  return request.version === "1.1" ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection)
}

/** the Host field as a client sent it, reduced to characters a host[:port] can hold */
const hostField = (request: HttpRequest | null): string | null => {
  const raw = request === null ? undefined : header(request.headers, "host")
  const clean = raw?.replace(/[^A-Za-z0-9.:[\]_-]/g, "").slice(0, 255)
  return clean === undefined || clean === "" ? null : clean
}

const siteFor = (ctx: SessionContext, server: string, host: string | null): Site => {
  const m = host === null ? null : /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(host)
  return { server, host: m?.[1] || ctx.local.ip, port: m?.[2] === undefined ? ctx.local.publicPort : Number(m[2]) }
}

const stream = (name: "http" | "https"): StreamPlugin => ({
  kind: "stream",
  name,
  session: (ctx) => {
    const framer = new RequestFramer()
    const server = optionString(ctx, "server", defaultServer)
    const realm = optionString(ctx, "realm", "Tomcat Manager Application")
    const maxRequests = Math.max(1, optionNumber(ctx, "maxKeepAliveRequests", 100))
    const session = phpSessionId(ctx.sessionId)
    const token = randomBytes(16).toString("hex")
    /** requests answered before this one (Apache's keepalives counter) */
    let served = 0
    let closing: string | null = null

    const answer = (request: HttpRequest): { bytes: Buffer; facts: Facts; credentials: ReadonlyArray<Credential> } => {
      const host = hostField(request)
      const site = siteFor(ctx, server, host)
      // Apache answers "max=<left>" from 100 down to 1, then closes on the request after
      const left = maxRequests - served++
      const keepAlive = persists(request) && left > 0
      // RFC 9112 §3.2: a 1.1 request without Host is a 400, and Apache closes after it
      const routed: Routed =
        request.version === "1.1" && host === null
          ? { answer: errorAnswer(400, site), page: "missing-host", credentials: [] }
          : route(request, { site, base: `${name}://${host ?? site.host}`, session, token, realm })
      const connection: Connection = { keepAlive: keepAlive && routed.answer.status !== 400, left }
      if (!connection.keepAlive) closing = left > 0 ? "connection-close" : "max-keepalive-requests"
      const response = respond(routed.answer, site, connection)
      return {
        bytes: encodeResponse(response, { head: request.method === "HEAD" }),
        facts: { ...requestFacts(request), status: routed.answer.status, page: routed.page },
        credentials: routed.credentials
      }
    }

    return {
      open: () => nothing,
      data: (chunk): Step => {
        if (closing !== null) return nothing
        const send: Array<Buffer> = []
        const facts: Array<Facts> = []
        const credentials: Array<Credential> = []
        for (const frame of framer.push(chunk)) {
          if (frame._tag === "Rejected") {
            const site = siteFor(ctx, server, null)
            send.push(encodeResponse(respond(errorAnswer(frame.status, site), site, { keepAlive: false, left: 0 })))
            facts.push({ rejected: frame.status, reason: frame.reason })
            closing = `http-${frame.status}`
            break
          }
          const answered = answer(frame.request)
          send.push(answered.bytes)
          facts.push(answered.facts)
          credentials.push(...answered.credentials)
          if (closing !== null) break
        }
        const [first, ...rest] = facts
        return {
          ...(send.length > 0 ? { send } : {}),
          ...(first === undefined
            ? {}
            : { facts: rest.length === 0 ? first : { ...first, pipelined: rest.slice(0, maxPipelinedFacts), pipelinedCount: rest.length } }),
          ...(credentials.length > 0 ? { credentials } : {}),
          ...(closing === null ? {} : { close: closing })
        }
      }
    }
  }
})

export const http: PluginEntry = { tcp: stream("http"), description: "Apache 2.4 on Debian with phpMyAdmin, FreePBX, WordPress and Tomcat manager decoys" }
export const https: PluginEntry = { tcp: stream("https"), tls: true, description: "the http plugin under TLS with the sensor's self-signed certificate" }
