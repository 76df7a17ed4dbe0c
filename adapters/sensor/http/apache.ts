/**
 * What a stock Debian Apache 2.4 says: its default page (shortened from
 * /var/www/html/index.html of the apache2 package), its error documents, and its
 * header fields in its order — Date, Server, validators, Content-Length, Vary,
 * Keep-Alive/Connection, Content-Type — because fingerprinters look at both.
 * Debian's security.conf keeps `ServerTokens OS` and `ServerSignature On`, hence
 * "Apache/2.4.62 (Debian)" and the address line under every error page.
 */
import { createHash } from "node:crypto"
import { reasonPhrase } from "./response.js"
import type { HttpResponse } from "./response.js"

export const defaultServer = "Apache/2.4.62 (Debian)"

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c)

export interface Site {
  readonly server: string
  /** the Host the client asked for, without port (UseCanonicalName Off) */
  readonly host: string
  readonly port: number
}

export const signature = (site: Site) => `<address>${escapeHtml(site.server)} Server at ${escapeHtml(site.host)} Port ${site.port}</address>`

const errorText: Readonly<Record<number, string>> = {
  400: "<p>Your browser sent a request that this server could not understand.<br />\n</p>",
  401: "<p>This server could not verify that you\nare authorized to access the document\nrequested.  Either you supplied the wrong\ncredentials (e.g., bad password), or your\nbrowser doesn't understand how to supply\nthe credentials required.</p>",
  403: "<p>You don't have permission to access this resource.</p>",
  404: "<p>The requested URL was not found on this server.</p>",
  413: "<p>The requested resource does not allow request data with the requested method or the amount of data provided in\nthe request exceeds the capacity limit.\n</p>",
  414: "<p>The requested URL's length exceeds the capacity\nlimit for this server.<br />\n</p>",
  431: "<p>Your browser sent a request that this server could not understand.<br />\nSize of a request header field exceeds server limit.<br />\n</p>",
  501: "<p>The server does not support the action requested by the browser.<br />\n</p>"
}

export const errorPage = (status: number, site: Site, detail?: string): string =>
  `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>${status} ${reasonPhrase(status)}</title>
</head><body>
<h1>${reasonPhrase(status)}</h1>
${detail ?? errorText[status] ?? "<p>The server encountered an internal error or\nmisconfiguration and was unable to complete\nyour request.</p>"}
<hr>
${signature(site)}
</body></html>
`

/** Apache's default page, as the apache2 package installs it (trimmed of most prose). */
export const itWorks = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
  <head>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
    <title>Apache2 Debian Default Page: It works</title>
    <style type="text/css" media="screen">
  * { margin: 0px 0px 0px 0px; padding: 0px 0px 0px 0px; }
  body, html { padding: 3px 3px 3px 3px; background-color: #D8DBE2; font-family: Ubuntu, Verdana, sans-serif; font-size: 11pt; text-align: center; }
  div.main_page { position: relative; display: table; width: 800px; margin-bottom: 3px; margin-left: auto; margin-right: auto; padding: 0px 0px 0px 0px; border-width: 2px; border-color: #212738; border-style: solid; background-color: #FFFFFF; text-align: center; }
  div.page_header { height: 180px; width: 100%; background-color: #F5F6F7; }
  div.content_section_text { padding: 4px 8px 4px 8px; color: #000000; font-size: 100%; }
  div.section_header { padding: 3px 6px 3px 6px; background-color: #8E9CB2; color: #FFFFFF; font-weight: bold; font-size: 112%; text-align: center; }
  .floating_element { position: relative; float: left; }
    </style>
  </head>
  <body>
    <div class="main_page">
      <div class="page_header floating_element">
        <img src="/icons/openlogo-75.png" alt="Debian Logo" class="floating_element"/>
        <span class="floating_element">
          Apache2 Debian Default Page
        </span>
      </div>
      <div class="content_section floating_element">
        <div class="section_header section_header_red">
          <div id="about"></div>
          It works!
        </div>
        <div class="content_section_text">
          <p>
                This is the default welcome page used to test the correct
                operation of the Apache2 server after installation on Debian systems.
                If you can read this page, it means that the Apache HTTP server installed at
                this site is working properly. You should <b>replace this file</b> (located at
                <tt>/var/www/html/index.html</tt>) before continuing to operate your HTTP server.
          </p>
          <p>
                If you are a normal user of this web site and don't know what this page is
                about, this probably means that the site is currently unavailable due to
                maintenance.
                If the problem persists, please contact the site's administrator.
          </p>
        </div>
        <div class="section_header">
          <div id="changes"></div>
                Configuration Overview
        </div>
        <div class="content_section_text">
          <p>
                Debian's Apache2 default configuration is different from the
                upstream default configuration, and split into several files optimized for
                interaction with Debian tools. The default configuration is
                <b>documented in /usr/share/doc/apache2/README.Debian.gz</b>. Refer to this for the full
                documentation.
          </p>
        </div>
      </div>
    </div>
    <div class="validator">
    </div>
  </body>
</html>
`

/** the mtime Apache would report for the default page: the package's install time */
const installed = new Date(Date.UTC(2024, 10, 17, 9, 21, 4))

/** Apache's ETag for a static file: "<size hex>-<mtime µs hex>" (FileETag MTime Size). */
const etag = (body: string) => `"${Buffer.byteLength(body).toString(16)}-${(installed.getTime() * 1000).toString(16)}"`

export interface Connection {
  /** false: this answer ends the connection */
  readonly keepAlive: boolean
  /** requests this connection may still make (Apache's MaxKeepAliveRequests countdown) */
  readonly left: number
}

const connectionFields = (c: Connection): Array<readonly [string, string]> =>
  c.keepAlive ? [["Keep-Alive", `timeout=5, max=${c.left}`], ["Connection", "Keep-Alive"]] : [["Connection", "close"]]

export interface Answer {
  readonly status: number
  readonly body: string
  readonly contentType: string
  /** fields between Server and Content-Length (validators, cookies, WWW-Authenticate…) */
  readonly fields?: ReadonlyArray<readonly [string, string]>
  readonly vary?: boolean
}

export const respond = (answer: Answer, site: Site, connection: Connection, now = new Date()): HttpResponse => ({
  status: answer.status,
  headers: [
    ["Date", now.toUTCString()],
    ["Server", site.server],
    ...(answer.fields ?? []),
    ["Content-Length", String(Buffer.byteLength(answer.body))],
    ...(answer.vary === true ? [["Vary", "Accept-Encoding"] as const] : []),
    ...connectionFields(connection),
    ["Content-Type", answer.contentType]
  ],
  body: answer.body
})

export const staticPage = (body: string): Answer => ({
  status: 200,
  body,
  contentType: "text/html",
  vary: true,
  fields: [["Last-Modified", installed.toUTCString()], ["ETag", etag(body)], ["Accept-Ranges", "bytes"]]
})

export const errorAnswer = (status: number, site: Site, detail?: string, fields?: ReadonlyArray<readonly [string, string]>): Answer => ({
  status,
  body: errorPage(status, site, detail),
  contentType: "text/html; charset=iso-8859-1",
  ...(fields === undefined ? {} : { fields })
})

/** a stable-looking session id for the PHP applications' cookies */
export const phpSessionId = (seed: string) => createHash("md5").update(seed).digest("hex").slice(0, 26)
