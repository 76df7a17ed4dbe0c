/**
 * The web applications scanners look for (seed ch. 5.2: `/admin/config.php`,
 * `//phpmyadmin/scripts/setup.php`…), as trimmed copies of their real login pages,
 * so a bot's "is it there? where is the form?" check passes and it posts credentials.
 * Every secret shown is fake on its face (example.com, AWS's documented example key).
 */
import { escapeHtml, staticPage } from "./apache.js"
import type { Answer } from "./apache.js"

/** what PHP sends on a page that starts a session (session.cache_limiter=nocache) */
const phpFields = (cookie: string): ReadonlyArray<readonly [string, string]> => [
  ["Set-Cookie", cookie],
  ["Expires", "Thu, 19 Nov 1981 08:52:00 GMT"],
  ["Cache-Control", "no-store, no-cache, must-revalidate"],
  ["Pragma", "no-cache"]
]

const php = (body: string, cookie: string, status = 200): Answer => ({ status, body, contentType: "text/html; charset=UTF-8", vary: true, fields: phpFields(cookie) })

export const phpMyAdminLogin = (session: string, token: string, error: string | null): Answer =>
  php(
    `<!doctype html>
<html lang="en" dir="ltr">
<head>
  <meta charset="utf-8">
  <meta name="referrer" content="no-referrer">
  <meta name="robots" content="noindex,nofollow,notranslate">
  <link rel="icon" href="favicon.ico" type="image/x-icon">
  <link rel="stylesheet" type="text/css" href="./themes/pmahomme/css/theme.css?v=5.2.1deb1">
  <title>phpMyAdmin</title>
  <script data-cfasync="false" type="text/javascript" src="js/vendor/jquery/jquery.min.js?v=5.2.1deb1"></script>
</head>
<body class="loginform">
<div class="container">
<a href="./url.php?url=https%3A%2F%2Fwww.phpmyadmin.net%2F" target="_blank" rel="noopener noreferrer" class="logo">
  <img src="./themes/pmahomme/img/logo_right.png" id="imLogo" name="imLogo" alt="phpMyAdmin" border="0">
</a>
<h1>Welcome to <bdo dir="ltr" lang="en">phpMyAdmin</bdo></h1>
${error === null ? "" : `<div class="alert alert-danger" role="alert"><img src="themes/dot.gif" title="" alt="" class="icon ic_s_error"> ${escapeHtml(error)}</div>\n`}<form method="post" id="login_form" action="index.php?route=/" name="login_form" class="disableAjax hide js-show">
  <fieldset class="pma-fieldset">
    <legend><input type="hidden" name="set_session" value="${session}">Log in</legend>
    <div class="item">
      <label for="input_username">Username:</label>
      <input type="text" name="pma_username" id="input_username" value="" size="24" class="textfield" autocomplete="username">
    </div>
    <div class="item">
      <label for="input_password">Password:</label>
      <input type="password" name="pma_password" id="input_password" value="" size="24" class="textfield" autocomplete="current-password">
    </div>
    <input type="hidden" name="server" value="1">
  </fieldset>
  <fieldset class="pma-fieldset tblFooters">
    <input class="btn btn-primary" value="Log in" type="submit" id="input_go">
    <input type="hidden" name="route" value="/"><input type="hidden" name="token" value="${token}">
  </fieldset>
</form>
</div>
</body>
</html>
`,
    `phpMyAdmin=${session}; path=/phpmyadmin/; HttpOnly; SameSite=Strict`
  )

/** phpMyAdmin 2.11's scripts/setup.php, the target of CVE-2009-1151 probes: bots scrape its token, then POST */
export const phpMyAdminSetup = (session: string, token: string): Answer =>
  php(
    `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en" dir="ltr">
<head>
    <link rel="icon" href="../favicon.ico" type="image/x-icon" />
    <title>phpMyAdmin 2.11.4 setup</title>
    <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
    <script type="text/javascript" src="../js/setup.js"></script>
</head>
<body>
<h1>phpMyAdmin 2.11.4 setup</h1>
<div class="notice"><h2>Warning</h2><p>You didn't set phpMyAdmin database connection that will be used for phpMyAdmin configuration storage.</p></div>
<form method="post" action="">
<input type="hidden" name="token" value="${token}" />
<input type="hidden" name="action" value="lay_navigation" />
<input type="hidden" name="eoltype" value="unix" />
<input type="hidden" name="configuration" value="a:0:{}" />
<fieldset class="toolbar"><legend>Configuration</legend>
<input type="submit" name="submit_save" value="Save" /> <input type="submit" name="submit_load" value="Load" />
</fieldset>
</form>
</body>
</html>
`,
    `phpMyAdmin=${session}; path=/phpmyadmin/; HttpOnly`
  )

export const freePbxLogin = (session: string, failed: boolean): Answer =>
  php(
    `<!DOCTYPE html>
<html>
<head>
	<title>FreePBX Administration</title>
	<meta http-equiv="Content-Type" content="text/html;charset=utf-8">
	<meta http-equiv="X-UA-Compatible" content="chrome=1">
	<meta name="robots" content="noindex" />
	<link rel="shortcut icon" href="assets/images/favicon.ico">
	<link href="assets/css/bootstrap-3.3.7.min.css" rel="stylesheet" type="text/css">
	<link href="assets/css/freepbx.css?load_version=16.0.40.7" rel="stylesheet" type="text/css">
</head>
<body>
<div id="page">
<div id="login_form">
	<form id="loginform" method="POST" action="config.php">
		<h3>FreePBX 16.0.40.7 Administration</h3>
${failed ? `\t\t<div class="alert alert-danger">Invalid Username or Password</div>\n` : ""}		<input type="text" class="form-control" id="loginusername" name="username" placeholder="Username" autocomplete="username">
		<input type="password" class="form-control" id="loginpassword" name="password" placeholder="Password" autocomplete="current-password">
		<button type="submit" class="btn btn-default" id="login_admin">Continue</button>
	</form>
</div>
<div id="footer">FreePBX is a registered trademark of Sangoma Technologies Inc.</div>
</div>
</body>
</html>
`,
    `PHPSESSID=${session}; path=/`
  )

export const wordPressLogin = (base: string, failedUser: string | null): Answer => {
  const error =
    failedUser === null
      ? ""
      : `<div id="login_error" class="notice notice-error"><p><strong>Error:</strong> The password you entered for the username <strong>${escapeHtml(failedUser)}</strong> is incorrect. <a href="${base}/wp-login.php?action=lostpassword">Lost your password?</a></p></div>\n`
  return {
    status: 200,
    contentType: "text/html; charset=UTF-8",
    vary: true,
    fields: [
      ["Expires", "Wed, 11 Jan 1984 05:00:00 GMT"],
      ["Cache-Control", "no-cache, must-revalidate, max-age=0, no-store, private"],
      ["Set-Cookie", "wordpress_test_cookie=WP%20Cookie%20check; path=/"],
      ["X-Frame-Options", "SAMEORIGIN"]
    ],
    body: `<!DOCTYPE html>
<html lang="en-US">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>Log In &lsaquo; Blog &#8212; WordPress</title>
<meta name='robots' content='max-image-preview:large, noindex, noarchive' />
<link rel='stylesheet' id='login-css' href='${base}/wp-admin/css/login.min.css?ver=6.7.1' media='all' />
<meta name="viewport" content="width=device-width, initial-scale=1.0" />
</head>
<body class="login no-js login-action-login wp-core-ui  locale-en-us">
<div id="login">
<h1 class="screen-reader-text">Log In</h1>
<h1><a href="https://wordpress.org/">Powered by WordPress</a></h1>
${error}<form name="loginform" id="loginform" action="${base}/wp-login.php" method="post">
<p><label for="user_login">Username or Email Address</label>
<input type="text" name="log" id="user_login" class="input" value="${escapeHtml(failedUser ?? "")}" size="20" autocapitalize="off" autocomplete="username" required="required" /></p>
<div class="user-pass-wrap"><label for="user_pass">Password</label>
<div class="wp-pwd"><input type="password" name="pwd" id="user_pass" class="input password-input" value="" size="20" autocomplete="current-password" spellcheck="false" required="required" /></div></div>
<p class="forgetmenot"><input name="rememberme" type="checkbox" id="rememberme" value="forever"  /> <label for="rememberme">Remember Me</label></p>
<p class="submit"><input type="submit" name="wp-submit" id="wp-submit" class="button button-primary button-large" value="Log In" />
<input type="hidden" name="redirect_to" value="${base}/wp-admin/" />
<input type="hidden" name="testcookie" value="1" /></p>
</form>
<p id="nav"><a class="wp-login-lost-password" href="${base}/wp-login.php?action=lostpassword">Lost your password?</a></p>
</div>
</body>
</html>
`
  }
}

/** WordPress XML-RPC: brute forcers call wp.getUsersBlogs(username, password); fault 403 like a wrong password */
export const xmlRpcFault = (): Answer => ({
  status: 200,
  contentType: "text/xml; charset=UTF-8",
  body: `<?xml version="1.0" encoding="UTF-8"?>
<methodResponse>
  <fault>
    <value>
      <struct>
        <member><name>faultCode</name><value><int>403</int></value></member>
        <member><name>faultString</name><value><string>Incorrect username or password.</string></value></member>
      </struct>
    </value>
  </fault>
</methodResponse>
`
})

export const xmlRpcPostOnly = (): Answer => ({ status: 405, contentType: "text/plain;charset=UTF-8", body: "XML-RPC server accepts POST requests only." })

/** the XML-RPC method and its first two string parameters (username, password for the wp.* calls) */
export const xmlRpcCall = (xml: string): { method: string; params: ReadonlyArray<string> } | null => {
  const method = /<methodName>\s*([\w.]+)\s*<\/methodName>/.exec(xml)?.[1]
  if (method === undefined) return null
  const params = [...xml.matchAll(/<param>\s*<value>\s*(?:<string>)?([^<]*)(?:<\/string>)?\s*<\/value>\s*<\/param>/g)].map((m) => m[1]!.trim())
  return { method, params }
}

/** a Laravel .env as it leaks from a misconfigured document root */
export const dotEnv = (host: string): Answer => ({
  ...staticPage(`APP_NAME=Laravel
APP_ENV=production
APP_KEY=base64:ZmFrZS1rZXktZm9yLWEtaG9uZXlwb3Qtbm90LXJlYWw=
APP_DEBUG=false
APP_URL=http://${host}

LOG_CHANNEL=stack
LOG_LEVEL=error

DB_CONNECTION=mysql
DB_HOST=127.0.0.1
DB_PORT=3306
DB_DATABASE=laravel
DB_USERNAME=laravel
DB_PASSWORD=changeme

MAIL_MAILER=smtp
MAIL_HOST=smtp.example.com
MAIL_PORT=587
MAIL_USERNAME=noreply@example.com
MAIL_PASSWORD=changeme
MAIL_ENCRYPTION=tls

AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
AWS_DEFAULT_REGION=us-east-1
`),
  contentType: "text/plain"
})
