/**
 * The `sip` plugin against a running sensor on 127.0.0.1: the seed's captured REGISTER
 * exchange, a toll-fraud INVITE that rings but never connects, the other methods,
 * malformed input, TCP framing, and what the UDP reply budget lets through.
 */
import { afterEach, describe, expect, it } from "vitest"
import { digestResponse } from "../../adapters/sensor/sip/digest.js"
import { eventually, sleep, tcp } from "../support/converse.js"
import { freePort, freeUdpPort } from "../support/free-port.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"
import { fraudInvite, seedRegister, seedRegisterAuthorized } from "./sip-fixtures.js"
import { credentials, headerOf, received, response, statusLines, udpClient } from "./sip-support.js"

let sensor: RunningSensor | undefined
afterEach(async () => {
  await sensor?.stop()
  sensor = undefined
})

const udpSip = async (options: Record<string, unknown> = {}) => {
  const port = await freeUdpPort()
  sensor = await startSensor([{ name: "sip", port, transport: "udp", plugin: "sip", options }])
  return { sensor, client: await udpClient(port) }
}

describe("sip plugin over UDP (real sockets on 127.0.0.1)", () => {
  it("reproduces the seed's captured exchange (Ilustración 21): REGISTER → 401 → REGISTER with Authorization → 200", async () => {
    const { sensor, client } = await udpSip({ realm: "sipplugin.com" })
    const [challenge, ...more] = await client.exchange(seedRegister)
    expect(more).toEqual([])
    const r401 = response(challenge!)
    expect([r401.status, r401.reason]).toEqual([401, "Unauthorized"])
    expect(r401.headers.map((h) => h.name)).toEqual(["Via", "From", "To", "Call-ID", "CSeq", "WWW-Authenticate", "Server", "Content-Length"])
    // RFC 3581: the client asked for rport, so the source it really came from is written back
    expect(headerOf(challenge!, "via")).toBe(`SIP/2.0/UDP 83.57.133.10:60668;rport=${client.port};branch=z9hG4bKpj8e2bec46d72f45cda961d9bf39976849;received=127.0.0.1`)
    expect(headerOf(challenge!, "from")).toBe("<sip:test@test>;tag=2a45bc572cca4c60be74886da06bd971")
    expect(headerOf(challenge!, "to")).toMatch(/^<sip:test@test>;tag=[0-9a-f-]{36}$/)
    expect(headerOf(challenge!, "call-id")).toBe("f7077217cf14465dabc80b58b520e23e")
    expect(headerOf(challenge!, "cseq")).toBe("25809 REGISTER") // the seed's plugin wrongly answered "1 REGISTER"
    expect(headerOf(challenge!, "server")).toBe("Asterisk PBX 20.5.2")
    const www = headerOf(challenge!, "www-authenticate")
    expect(www).toMatch(/^Digest realm="sipplugin\.com",nonce="\d+\/[0-9a-f]{32}",opaque="[0-9a-f]{16}",algorithm=md5,qop="auth"$/)
    const nonce = /nonce="([^"]+)"/.exec(www)![1]!

    const [ok] = await client.exchange(seedRegisterAuthorized(nonce))
    expect(statusLines([ok!])).toEqual(["SIP/2.0 200 OK"])
    expect(headerOf(ok!, "cseq")).toBe("25810 REGISTER")
    expect(headerOf(ok!, "via")).toContain("branch=z9hG4bKpj4ee5c34abb924fe3a5d243a9feb591a6")
    expect(headerOf(ok!, "contact")).toBe("<sip:test@83.57.133.10:60668;ob>;expires=300")
    client.close()

    expect(await received(sensor, "REGISTER")).toEqual([
      expect.objectContaining({ requestUri: "sip:217.18.237.142:5060", userAgent: "MicroSIP/3.14.5", toUser: "test", cseq: "25809 REGISTER", contact: "<sip:test@83.57.133.10:60668;ob>" }),
      expect.objectContaining({ cseq: "25810 REGISTER", callId: "f7077217cf14465dabc80b58b520e23e" })
    ])
    const [tried] = await credentials(sensor)
    expect(tried).toMatchObject({ service: "sip", username: "test", password: null, method: "sip-digest" })
    expect(tried!.detail).toEqual({
      scheme: "Digest",
      sipMethod: "REGISTER",
      nonceIssued: true,
      realm: "sipplugin.com",
      nonce,
      uri: "sip:217.18.237.142",
      response: "fba4e96b1c04fb13cfbcd9a318be6b8"
    })
    expect(await sensor.ofType("ContactVerified")).toEqual([expect.objectContaining({ transport: "udp", proof: "sip-nonce-echo" })])
    expect((await sensor.ofType("PayloadSent")).map((e) => e.facts)).toEqual([{ responses: [401] }, { responses: [200] }])
  })

  it("a toll-fraud INVITE gets 100 + 407; authorized it rings (100/180/183) but never connects; CANCEL → 200 + 487", async () => {
    const { sensor, client } = await udpSip()
    const number = "0009970592168426"
    const first = fraudInvite({ number, branch: "z9hG4bK-first" })
    const challenged = await client.exchange(first)
    expect(statusLines(challenged)).toEqual(["SIP/2.0 100 Trying", "SIP/2.0 407 Proxy Authentication Required"])
    expect(headerOf(challenged[0]!, "to")).toBe(`${number}<sip:${number}@217.18.237.142>`) // no tag on 100
    expect(headerOf(challenged[1]!, "via")).toBe(`SIP/2.0/UDP 195.154.181.112:5071;branch=z9hG4bK-first;rport=${client.port};received=127.0.0.1`)
    // a retransmission gets the final response again, not a new challenge
    expect(await client.exchange(first)).toEqual([challenged[1]])
    const tag = /;tag=(.*)$/.exec(headerOf(challenged[1]!, "to"))![1]!
    const ack = first.replace(/^INVITE/, "ACK").replace("CSeq: 1 INVITE", "CSeq: 1 ACK").replace(`${number}>\r\nFrom`, `${number}>;tag=${tag}\r\nFrom`)
    expect(await client.exchange(ack)).toEqual([])

    const nonce = /nonce="([^"]+)"/.exec(headerOf(challenged[1]!, "proxy-authenticate"))![1]!
    const uri = `sip:${number}@217.18.237.142`
    const digest = digestResponse({ username: "1000", realm: "asterisk", password: "1000", method: "INVITE", uri, nonce, qop: "auth", nc: "00000001", cnonce: "0a4f113b" })
    const authorization = `Proxy-Authorization: Digest username="1000",realm="asterisk",nonce="${nonce}",uri="${uri}",response="${digest}",qop=auth,nc=00000001,cnonce="0a4f113b",algorithm=MD5`
    const second = fraudInvite({ number, branch: "z9hG4bK-second", cseq: 2, extra: [authorization] })
    const ringing = await client.exchange(second, 400)
    expect(statusLines(ringing)).toEqual(["SIP/2.0 100 Trying", "SIP/2.0 180 Ringing", "SIP/2.0 183 Session Progress"])
    const early = headerOf(ringing[1]!, "to")
    expect(headerOf(ringing[2]!, "to")).toBe(early)
    expect(headerOf(ringing[1]!, "contact")).toBe(`<sip:${number}@217.18.237.142>`)
    const cancel = second.split("\r\n").filter((l) => !l.startsWith("Proxy-Authorization")).join("\r\n").replace(/^INVITE/, "CANCEL").replace("CSeq: 2 INVITE", "CSeq: 2 CANCEL").replace(/Content-Type[^]*$/, "Content-Length: 0\r\n\r\n")
    const cancelled = await client.exchange(cancel)
    expect(statusLines(cancelled)).toEqual(["SIP/2.0 200 OK", "SIP/2.0 487 Request Terminated"])
    expect(cancelled.map((r) => headerOf(r, "cseq"))).toEqual(["2 CANCEL", "2 INVITE"])
    expect(cancelled.map((r) => headerOf(r, "to"))).toEqual([early, early])
    client.close()

    const invites = await received(sensor, "INVITE")
    expect(invites).toHaveLength(3)
    expect(invites[0]).toMatchObject({
      requestUri: uri,
      dialled: number,
      from: "1000<sip:1000@217.18.237.142>;tag=d221643d",
      fromUser: "1000",
      to: `${number}<sip:${number}@217.18.237.142>`,
      contact: "<sip:1000@195.154.181.112:5071>",
      callId: "008c99d7c5cb666637b2a55f05221468",
      cseq: "1 INVITE",
      viaSentBy: "195.154.181.112:5071",
      sdpConnection: "195.154.181.112",
      sdpMedia: "audio 10000 RTP/AVP 0 8 18 101"
    })
    expect(invites[1]).toMatchObject({ retransmission: true })
    const [tried] = await credentials(sensor)
    expect(tried).toMatchObject({ username: "1000", method: "sip-digest", detail: { sipMethod: "INVITE", uri, response: digest, nonceIssued: true } })
    expect(await sensor.ofType("ContactVerified")).toHaveLength(1)
    const sent = (await sensor.ofType("PayloadSent")).map((e) => e.facts["responses"] ?? "again")
    expect(sent).toEqual([[100, 407], [100, 407], "again", [100, 180, 183], [100, 180, 183], [100, 180, 183], [200, 487], [200, 487]])
    expect((await sensor.ofType("PayloadSent")).filter((e) => /^SIP\/2\.0 200 [^]*CSeq: \d+ INVITE/.test(e.text))).toEqual([])
  })

  it("answers OPTIONS, BYE, unknown and malformed requests; stays silent for garbage and responses", async () => {
    const { sensor, client } = await udpSip({ userAgent: "FPBX-16.0.40.7(18.20.2)" })
    let branch = 0
    const request = (method: string, extra: ReadonlyArray<string> = [], cseqMethod = method) =>
      [`${method} sip:100@127.0.0.1 SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-${++branch}`, "From: <sip:scan@127.0.0.1>;tag=1", "To: <sip:100@127.0.0.1>", `Call-ID: ${method}-1`, `CSeq: 1 ${cseqMethod}`, ...extra, "Content-Length: 0", "", ""].join("\r\n")
    const [options] = await client.exchange(request("OPTIONS", ["Accept: application/sdp"]))
    expect(statusLines([options!])).toEqual(["SIP/2.0 200 OK"])
    expect(headerOf(options!, "allow")).toBe("OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, INVITE, ACK, BYE, CANCEL, UPDATE, PRACK, MESSAGE, REFER")
    expect(headerOf(options!, "supported")).toBe("100rel, timer, replaces, norefersub")
    expect(headerOf(options!, "accept")).toBe("application/sdp")
    expect(headerOf(options!, "server")).toBe("FPBX-16.0.40.7(18.20.2)")
    expect(statusLines(await client.exchange(request("BYE")))).toEqual(["SIP/2.0 200 OK"])
    expect(statusLines(await client.exchange(request("CANCEL")))).toEqual(["SIP/2.0 200 OK"])
    expect(await client.exchange(request("ACK"))).toEqual([])
    expect(statusLines(await client.exchange(request("MESSAGE")))).toEqual(["SIP/2.0 401 Unauthorized"])
    expect(statusLines(await client.exchange(request("FROBNICATE")))).toEqual(["SIP/2.0 501 Not Implemented"])
    expect(statusLines(await client.exchange(request("OPTIONS", [], "INVITE")))).toEqual(["SIP/2.0 400 Bad Request"])
    expect(statusLines(await client.exchange(request("OPTIONS").replace("Call-ID: OPTIONS-1\r\n", "")))).toEqual(["SIP/2.0 400 Bad Request"])
    expect(statusLines(await client.exchange(request("OPTIONS").replace("\r\nFrom:", "\r\nbad line\r\nFrom:")))).toEqual(["SIP/2.0 400 Bad Request"])
    expect(statusLines(await client.exchange(request("OPTIONS").replace(/SIP\/2\.0\r\n/, "SIP/3.0\r\n")))).toEqual(["SIP/2.0 505 Version Not Supported"])
    expect(await client.exchange("GET / HTTP/1.0\r\n\r\n")).toEqual([])
    expect(await client.exchange(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x01]))).toEqual([])
    expect(await client.exchange("SIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n")).toEqual([])
    expect(await client.exchange("INVITE sip:1@h SIP/2.0\r\nFrom: <sip:a@b>\r\n\r\n")).toEqual([]) // no Via: nowhere to answer
    client.close()
    const facts = (await sensor.ofType("PayloadReceived")).map((e) => e.facts)
    expect(facts.filter((f) => "malformed" in f).map((f) => f["malformed"])).toEqual(["bad CSeq", "missing call-id", "header without a colon: \"bad line\"", "version SIP/3.0", "not a SIP start line", "not a SIP start line", "missing via"])
    expect(facts.find((f) => f["response"] !== undefined)).toEqual({ response: 200, reason: "OK", callId: "x", cseq: "1 OPTIONS" })
  })
})

describe("sip plugin and the UDP reply budget (reply bytes ≤ 2 × request bytes per source)", () => {
  it("a bare 156-byte OPTIONS is not answered at once (the 200 is 410 bytes); its retransmission is (RFC 3261 Timer E)", async () => {
    const { sensor, client } = await udpSip()
    const bare = ["OPTIONS sip:100@192.0.2.1 SIP/2.0", "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1", "From: <sip:1@x>;tag=1", "To: <sip:100@x>", "Call-ID: c1", "CSeq: 1 OPTIONS", "", ""].join("\r\n")
    expect(bare.length).toBe(156)
    expect(await client.exchange(bare)).toEqual([])
    const [answer] = await client.exchange(bare)
    expect(answer?.length).toBe(410) // > 2 × 156: withheld until the retransmission doubles the credit
    expect(statusLines([answer!])).toEqual(["SIP/2.0 200 OK"])
    client.close()
    const hits = await eventually(async () => {
      const h = (await sensor.allEvents()).filter((e) => e.event._tag === "SensorLimitHit")
      return h.length > 0 ? h : undefined
    }, 8000, "a SensorLimitHit summary")
    expect(hits[0]!.event).toMatchObject({ limit: "udp-reply-bytes", count: 1 })
  })
})

describe("sip plugin over TCP (real sockets on 127.0.0.1)", () => {
  it("frames by Content-Length across writes and within one write, answers pings, closes on oversize headers", async () => {
    const port = await freePort()
    sensor = await startSensor([{ name: "sip-tcp", port, transport: "tcp", plugin: "sip" }])
    const c = await tcp(port)
    const half = Math.floor(seedRegister.length / 2)
    c.send(seedRegister.slice(0, half))
    await sleep(50)
    c.send(seedRegister.slice(half))
    await c.until("SIP/2.0 401 Unauthorized")
    c.send(fraudInvite({ number: "900441224928347", branch: "z9hG4bK-a" }) + "\r\n\r\n" + seedRegister.replace("25809", "25811").replace("z9hG4bKpj8e", "z9hG4bKpj9e"))
    const text = await c.until(/CSeq: 25811 REGISTER[^]*\r\n\r\n$/)
    expect(text.match(/^SIP\/2\.0 \d{3} [^\r]*/gm)).toEqual(["SIP/2.0 401 Unauthorized", "SIP/2.0 100 Trying", "SIP/2.0 407 Proxy Authentication Required", "SIP/2.0 401 Unauthorized"])
    expect(text).toContain("\r\n\r\n\r\nSIP/2.0 401") // the pong between the responses
    c.send(`OPTIONS sip:x SIP/2.0\r\nX-Pad: ${"a".repeat(20_000)}`)
    await c.closed
    const closed = await eventually(async () => (await sensor!.ofType("ContactClosed"))[0])
    expect(closed.reason).toBe("oversize")
    const facts = (await sensor.ofType("PayloadReceived")).map((e) => e.facts)
    expect(facts[0]).toEqual({})
    expect(facts[1]).toMatchObject({ method: "REGISTER", viaTransport: "UDP" })
    expect(facts[2]).toMatchObject({ messages: [{ method: "INVITE", dialled: "900441224928347" }, { keepAlive: "ping" }, { method: "REGISTER" }] })
    expect(facts.at(-1)?.["malformed"]).toMatch(/^oversize headers \(\d+ bytes\)$/)
  })
})
