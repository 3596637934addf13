// Browser sign-in through the authgate gateway in a real headless Chromium (Playwright driving
// Debian's /usr/bin/chromium; scripts/browser-setup.sh installs both).
//
//   node tests/browser/signin.mjs --gateway http://127.0.0.1:PORT [--protected /app/page]
//        [--provider oidc] [--user alice] [--email alice@example.com] [--second-user bob]
//        [--claims '{"name":"Alice Browser"}']
//
// The gateway must protect `--protected` with `auth = "session"`, send its upstream's answer
// (an echo of the request as JSON: path, query, headers) back, and use the dev IdP in
// interactive mode as `--provider`. Steps: protected page → sign-in chooser → provider → the
// dev IdP's login page (user + custom claims) → protected page with identity headers →
// session cookie attributes → /auth/me → cross-site logout attempts (BCP-61) → logout through
// the confirmation page → the protected page asks to sign in again → a second sign-in.
// Prints one JSON line on stdout; exits 1 with a message on stderr at the first failed
// expectation. No cookie value, token or CSRF token is ever printed.

import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    gateway: { type: 'string' },
    protected: { type: 'string', default: '/app/dashboard?tab=1' },
    provider: { type: 'string', default: 'oidc' },
    user: { type: 'string', default: 'alice' },
    email: { type: 'string', default: 'alice@example.com' },
    'second-user': { type: 'string', default: 'bob' },
    claims: { type: 'string', default: '{"name":"Alice Browser"}' },
    'timeout-ms': { type: 'string', default: '10000' },
  },
});

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const WATCHDOG_MS = 90_000;

class Expectation extends Error {}

/** Fails the run with `message` unless `condition` holds. */
function expect(condition, message) {
  if (!condition) throw new Expectation(message);
}

const result = { ok: false, steps: [] };
/** Every top-level navigation's response: `METHOD origin+path status` (never a query). */
const navigations = [];
const step = (name) => result.steps.push(name);

/** A page on another loopback origin that tries to sign the user out without the CSRF token. */
function attackerPage(gateway) {
  const logout = `${gateway}/auth/logout`;
  return `<!doctype html><html><body><h1>Totally unrelated site</h1>
<img id="a" src="${logout}"><img id="b" src="${logout}?everywhere=1">
<form id="f" method="post" action="${logout}?everywhere=1">
<input type="hidden" name="everywhere" value="1"></form>
<script>
let pending = 2;
const next = () => { if (--pending === 0) document.getElementById('f').submit(); };
for (const id of ['a', 'b']) { const img = document.getElementById(id); img.onload = next; img.onerror = next; }
</script></body></html>`;
}

/** Serves the attacker page on `host`:random port; resolves to { url, close }. */
function startAttacker(host, gateway) {
  const html = attackerPage(gateway);
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      resolve({ url: `http://${host}:${port}/`, close: () => server.close() });
    });
  });
}

/** The session cookie as Chromium stored it for the gateway (null when there is none). */
async function sessionCookie(context, gateway) {
  const https = new URL(gateway).protocol === 'https:';
  const name = https ? '__Host-authgate' : 'authgate';
  const cookies = await context.cookies(gateway);
  return cookies.find((c) => c.name === name) ?? null;
}

/** The cookie's attributes, without its value. */
function describeCookie(cookie) {
  const { name, domain, path, httpOnly, secure, sameSite, expires } = cookie;
  return { name, domain, path, httpOnly, secure, sameSite, session: expires === -1 };
}

/** Signs in from the protected page as `user`; returns the upstream's echo. */
async function signIn(page, gw, user, claims) {
  const target = new URL(opt.protected, gw.origin);
  await page.goto(target.href);
  // Either the chooser, or (one provider, no chooser) the provider's login page directly.
  await page.waitForURL((u) => u.origin !== gw.origin || u.pathname === '/auth/login');
  if (new URL(page.url()).origin === gw.origin) {
    step(`chooser for ${user}`);
    const link = page.locator(`a[href^="/auth/${opt.provider}/login"]`);
    expect(await link.count() === 1, `the chooser has no link to ${opt.provider}: ${withoutQuery(page.url())}`);
    await link.click();
  }
  await page.waitForSelector('input[name="devidp_user"]');
  expect(new URL(page.url()).origin !== gw.origin, `the IdP login page is at ${withoutQuery(page.url())}`);
  step(`idp login page for ${user}`);
  await page.check(`input[name="devidp_user"][value="${user}"]`);
  if (claims) await page.fill('textarea[name="devidp_claims"]', claims);
  const landed = page.waitForResponse((r) => r.request().isNavigationRequest()
    && r.url() === target.href && r.status() === 200);
  await page.click('button[name="devidp_action"][value="approve"]');
  const response = await landed;
  await page.waitForURL(target.href);
  step(`back on ${target.pathname} as ${user}`);
  return response.json();
}

/** Checks the upstream's echo: identity headers present, the gateway's cookies absent. */
function checkEcho(echo, user, claims) {
  const header = (name) => echo.headers?.[name]?.[0];
  const target = new URL(opt.protected, 'http://x');
  expect(echo.path === target.pathname, `upstream path ${echo.path}`);
  expect(header('x-auth-subject') === user, `X-Auth-Subject ${header('x-auth-subject')}`);
  expect(header('x-auth-provider') === opt.provider, `X-Auth-Provider ${header('x-auth-provider')}`);
  if (user === opt.user) {
    expect(header('x-auth-email') === opt.email, `X-Auth-Email ${header('x-auth-email')}`);
  }
  const name = claims ? JSON.parse(claims).name : undefined;
  if (name) expect(header('x-auth-name') === name, `X-Auth-Name ${header('x-auth-name')}`);
  const cookies = header('cookie') ?? '';
  expect(!/authgate/.test(cookies), 'the gateway\'s cookies reached the upstream');
  return {
    path: echo.path, query: echo.query, subject: header('x-auth-subject'),
    provider: header('x-auth-provider'), email: header('x-auth-email'), name: header('x-auth-name'),
  };
}

/** Checks the session cookie's attributes (BCP-52). */
function checkCookie(cookie, gw) {
  expect(cookie, 'no session cookie after sign-in');
  const https = gw.protocol === 'https:';
  expect(cookie.httpOnly, 'session cookie is not HttpOnly');
  expect(cookie.sameSite === 'Lax', `session cookie SameSite=${cookie.sameSite}`);
  expect(cookie.path === '/', `session cookie Path=${cookie.path}`);
  expect(cookie.secure === https, `session cookie Secure=${cookie.secure}`);
  expect(!cookie.domain.startsWith('.'), `session cookie has Domain=${cookie.domain}`);
  return describeCookie(cookie);
}

/** GET /auth/me as a page navigation; returns [status, json]. */
async function me(page, gw) {
  const response = await page.goto(`${gw.origin}/auth/me`);
  return [response.status(), await response.json()];
}

/** Runs the attacker page from `host`; returns what happened to the session. */
async function crossSiteLogout(context, page, gw, host, before) {
  const attacker = await startAttacker(host, gw.origin);
  try {
    const posted = page.waitForResponse((r) => r.request().method() === 'POST'
      && r.url().startsWith(`${gw.origin}/auth/logout`));
    await page.goto(attacker.url);
    const response = await posted;
    await page.waitForLoadState();
    const after = await sessionCookie(context, gw.origin);
    const [status, body] = await me(page, gw);
    const survived = status === 200 && body.subject === opt.user
      && after?.value === before.value;
    expect(survived, `a cross-site logout from ${host} ended the session (me: ${status})`);
    return { origin: new URL(attacker.url).origin, post_status: response.status(), survived };
  } finally {
    attacker.close();
  }
}

/** Logs out through the confirmation page's button; returns where the browser ended. */
async function logOut(context, page, gw) {
  const confirm = await page.goto(`${gw.origin}/auth/logout`);
  const confirmPolicy = confirm.headers()['referrer-policy'];
  const button = page.getByRole('button', { name: 'Sign out', exact: true });
  const from = navigations.length;
  const posted = page.waitForResponse((r) => r.request().method() === 'POST'
    && withoutQuery(r.url()) === `${gw.origin}/auth/logout`);
  await button.click();
  const response = await posted;
  if (response.status() !== 303) {
    const sent = await response.request().allHeaders();
    expect(false, `the confirmation page's sign-out button was answered ${response.status()} `
      + `(the browser sent Origin: ${sent.origin ?? '-'}, Sec-Fetch-Site: ${sent['sec-fetch-site'] ?? '-'}; `
      + `the page's Referrer-Policy: ${confirmPolicy ?? '-'})`);
  }
  await page.waitForURL((u) => u.origin === gw.origin && u.pathname === '/auth/logged-out');
  step('logged out page');
  // BCP-62: through the provider's end-session endpoint, back to /auth/logged-out.
  const viaProvider = navigations.slice(from).some((n) => !n.includes(` ${gw.origin}/`));
  const cookie = await sessionCookie(context, gw.origin);
  expect(cookie === null, 'the session cookie is still in the browser after logout');
  const [status] = await me(page, gw);
  expect(status === 401, `/auth/me after logout answers ${status}`);
  // The protected page asks to sign in again.
  await page.goto(new URL(opt.protected, gw.origin).href);
  await page.waitForURL((u) => u.origin !== gw.origin || u.pathname === '/auth/login');
  step('protected page asks to sign in again');
  return {
    signed_out: true, via_provider: viaProvider, me_status: status,
    landed: new URL(page.url()).pathname,
  };
}

async function run(context, page) {
  expect(opt.gateway, '--gateway URL is required');
  const gw = new URL(opt.gateway);
  const echo = await signIn(page, gw, opt.user, opt.claims);
  result.upstream = checkEcho(echo, opt.user, opt.claims);
  const cookie = await sessionCookie(context, gw.origin);
  result.cookie = checkCookie(cookie, gw);
  const binding = (await context.cookies(gw.origin)).filter((c) => c.name.endsWith('authgate-login'));
  result.binding_cookie_left = binding.length > 0;
  const [status, who] = await me(page, gw);
  expect(status === 200, `/auth/me answers ${status}`);
  expect(who.subject === opt.user && who.provider === opt.provider, `/auth/me: ${who.subject}`);
  expect(who.email === opt.email, `/auth/me email ${who.email}`);
  result.me = { subject: who.subject, provider: who.provider, email: who.email, name: who.name,
    roles: who.roles };
  step('/auth/me');
  // BCP-61: same-site (another port) and cross-site (127.0.0.2) pages cannot sign us out.
  const sameSite = await crossSiteLogout(context, page, gw, gw.hostname, cookie);
  const crossSite = await crossSiteLogout(context, page, gw, '127.0.0.2', cookie);
  result.cross_site_logout = { session_survived: true, attempts: [sameSite, crossSite] };
  step('cross-site logout refused');
  result.logout = await logOut(context, page, gw);
  const second = opt['second-user'];
  if (second) {
    const again = checkEcho(await signIn(page, gw, second, null), second, null);
    const fresh = await sessionCookie(context, gw.origin);
    expect(fresh && fresh.value !== cookie.value, 'the second sign-in reused the old session id');
    result.second_signin = { subject: again.subject, new_session_id: true };
  }
  result.ok = true;
}

/** The first line of an error (Playwright's call log after it can name URLs with a code). */
function firstLine(e) {
  return String(e?.message ?? e).split('\n')[0];
}

/** Drops every URL query from `text` (a code, state or nonce is never printed). */
function redact(text) {
  return text.replace(/\?[^\s"'<>]*/g, '?…');
}

/** A URL without its query and fragment (they may carry a code or state: never printed). */
function withoutQuery(url) {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

async function main() {
  const watchdog = setTimeout(() => {
    console.error(`signin.mjs: gave up after ${WATCHDOG_MS} ms; steps: ${result.steps.join(' → ')}`);
    process.exit(2);
  }, WATCHDOG_MS);
  watchdog.unref();
  const userDataDir = mkdtempSync(join(tmpdir(), 'authgate-chromium-'));
  let context;
  let page;
  const logoutPosts = [];
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(Number(opt['timeout-ms']));
    page.on('request', async (r) => {
      if (r.method() === 'POST' && withoutQuery(r.url()).endsWith('/auth/logout')) {
        const h = await r.allHeaders();
        logoutPosts.push({ origin: h.origin ?? null, sec_fetch_site: h['sec-fetch-site'] ?? null });
      }
    });
    page.on('response', (r) => {
      if (r.request().isNavigationRequest()) navigations.push(`${r.request().method()} ${withoutQuery(r.url())} ${r.status()}`);
    });
    await run(context, page);
  } catch (e) {
    result.error = redact(e instanceof Expectation ? e.message : firstLine(e));
    result.navigations = navigations.slice(-12);
    result.logout_posts = logoutPosts;
    result.at = page && withoutQuery(page.url());
    result.page_text = await page?.locator('body').innerText({ timeout: 1000 })
      .then((t) => t.slice(0, 400)).catch(() => undefined);
  } finally {
    await context?.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(result));
  if (!result.ok) {
    console.error(`signin.mjs: FAILED after ${result.steps.join(' → ') || 'no step'}: ${result.error}`);
    process.exit(1);
  }
}

await main();
