/**
 * Which page a request gets. Paths are matched as Apache would see them: percent-
 * decoded and with repeated slashes merged (MergeSlashes On), so the seed's
 * `//phpmyadmin/scripts/setup.php` finds the setup page. Login forms record what
 * is posted as `http-form` credentials; any `Authorization: Basic` is recorded as
 * `http-basic` wherever it is sent, and the Tomcat manager paths always ask for it.
 */
import type { Credential } from "../Plugin.js"
import { errorAnswer, escapeHtml, itWorks, staticPage } from "./apache.js"
import type { Answer, Site } from "./apache.js"
import { dotEnv, freePbxLogin, phpMyAdminLogin, phpMyAdminSetup, wordPressLogin, xmlRpcCall, xmlRpcFault, xmlRpcPostOnly } from "./apps.js"
import { basicCredentials, decodeForm, percentDecode, splitTarget } from "./facts.js"
import { header } from "./message.js"
import type { HttpRequest } from "./message.js"

export interface RouteContext {
  readonly site: Site
  /** scheme://host[:port] as the client addressed us */
  readonly base: string
  /** the PHP applications' session id and CSRF token for this connection */
  readonly session: string
  readonly token: string
  /** realm of the HTTP Basic challenge */
  readonly realm: string
}

export interface Routed {
  readonly answer: Answer
  /** which emulated page answered (recorded with the request's facts) */
  readonly page: string
  readonly credentials: ReadonlyArray<Credential>
}

const allow = "GET,POST,OPTIONS,HEAD"
const pma = /^\/(?:phpmyadmin|phpMyAdmin|pma|PMA|myadmin|mysqladmin|phpmyadmin2|db)(\/.*)?$/
const tomcat = /^\/(?:manager|host-manager)(?:\/(?:html|status|text)(?:\/.*)?)?$/

const page = (answer: Answer, name: string, credentials: ReadonlyArray<Credential> = []): Routed => ({ answer, page: name, credentials })

const formCredential = (form: ReadonlyMap<string, string>, user: string, pass: string, app: string, path: string): Array<Credential> => {
  const username = form.get(user)
  const password = form.get(pass)
  return username === undefined && password === undefined ? [] : [{ username: username ?? "", password: password ?? null, method: "http-form", detail: { app, path } }]
}

export const route = (request: HttpRequest, rc: RouteContext): Routed => {
  const path = percentDecode(splitTarget(request.target).path, false).replace(/\/{2,}/g, "/")
  const post = request.method === "POST"
  const form = post ? decodeForm(request.body.toString("latin1")) : new Map<string, string>()
  const basic = basicCredentials(header(request.headers, "authorization"))
  const basicTried: Array<Credential> =
    basic === null ? [] : [{ username: basic.username, password: basic.password, method: "http-basic", detail: { path, realm: rc.realm } }]
  const site = rc.site

  switch (request.method) {
    case "GET":
    case "HEAD":
    case "POST":
      break
    case "OPTIONS":
      return page({ status: 200, body: "", contentType: "text/html", fields: [["Allow", allow]] }, "options", basicTried)
    case "CONNECT":
      // no mod_proxy: a CONNECT's authority-form target is just a bad request
      return page(errorAnswer(400, site), "proxy-refused", basicTried)
    default:
      // Debian's security.conf: TraceEnable Off; static content allows no other methods
      return page(
        errorAnswer(405, site, `<p>The requested method ${request.method.replace(/[^A-Za-z-]/g, "")} is not allowed for this URL.</p>`, [["Allow", allow]]),
        "method-not-allowed",
        basicTried
      )
  }

  if (tomcat.test(path)) {
    const challenge = [["WWW-Authenticate", `Basic realm="${rc.realm}"`] as const]
    return page(errorAnswer(401, site, undefined, challenge), "tomcat-manager", basicTried)
  }
  if (path === "/" || path === "/index.html") return page(staticPage(itWorks), "default", basicTried)
  if (path === "/.env" || /^\/(?:laravel|app|api|backend|admin|public)\/\.env$/.test(path)) return page(dotEnv(site.host), "dotenv", basicTried)
  if (/^\/admin(?:\/(?:config\.php|index\.php)?)?$/.test(path)) {
    const tried = formCredential(form, "username", "password", "freepbx", path)
    return page(freePbxLogin(rc.session, tried.length > 0), "freepbx", [...basicTried, ...tried])
  }
  if (/^(?:\/wordpress|\/wp|\/blog)?\/wp-login\.php$/.test(path)) {
    const tried = formCredential(form, "log", "pwd", "wordpress", path)
    return page(wordPressLogin(rc.base, tried[0]?.username ?? null), "wordpress", [...basicTried, ...tried])
  }
  if (/^(?:\/wordpress|\/wp|\/blog)?\/xmlrpc\.php$/.test(path)) {
    if (!post) return page(xmlRpcPostOnly(), "wordpress-xmlrpc", basicTried)
    const call = xmlRpcCall(request.body.toString("utf8"))
    const [username, password] = call?.method.startsWith("wp.") === true ? call.params : []
    const tried: Array<Credential> =
      username === undefined ? [] : [{ username, password: password ?? null, method: "http-form", detail: { app: "wordpress-xmlrpc", path, call: call?.method } }]
    return page(xmlRpcFault(), "wordpress-xmlrpc", [...basicTried, ...tried])
  }
  const m = pma.exec(path)
  if (m !== null) {
    const rest = m[1] ?? ""
    if (rest === "") {
      // mod_dir: a directory without its trailing slash is redirected
      const location = `${rc.base}${path}/`
      return page(
        errorAnswer(301, site, `<p>The document has moved <a href="${escapeHtml(location)}">here</a>.</p>`, [["Location", location]]),
        "phpmyadmin-redirect",
        basicTried
      )
    }
    if (/^\/scripts\/setup\.php$/.test(rest)) return page(phpMyAdminSetup(rc.session, rc.token), "phpmyadmin-setup", basicTried)
    if (rest === "/" || rest === "/index.php") {
      const tried = formCredential(form, "pma_username", "pma_password", "phpmyadmin", path)
      const error =
        tried[0] === undefined
          ? null
          : `mysqli::real_connect(): (HY000/1045): Access denied for user '${tried[0].username}'@'localhost' (using password: ${tried[0].password ? "YES" : "NO"})`
      return page(phpMyAdminLogin(rc.session, rc.token, error), "phpmyadmin", [...basicTried, ...tried])
    }
  }
  return page(errorAnswer(404, site), "not-found", basicTried)
}
