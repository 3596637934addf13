// A real, OpenID Certified provider (panva/oidc-provider) on loopback for authgate's
// interoperability tests. One confidential client, one static account, PKCE required, and an
// interaction policy that signs the account in at once (no pages).
//
//   node server.mjs --port 0 --client-id rp --client-secret s3cret \
//        --redirect-uri http://127.0.0.1:8080/auth/op/callback [--redirect-uri ...] \
//        [--auth-method client_secret_basic|client_secret_post] [--backchannel-logout-uri URI]
//
// Each flag falls back to an environment variable (OP_PORT, OP_CLIENT_ID, OP_CLIENT_SECRET,
// OP_REDIRECT_URIS comma-separated, OP_AUTH_METHOD, OP_BACKCHANNEL_LOGOUT_URI). Once listening it prints one line,
// `READY {"issuer":"http://127.0.0.1:PORT", ...}`, on stdout.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import Provider, { errors } from 'oidc-provider';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'auth-method': { type: 'string' },
    'backchannel-logout-uri': { type: 'string' },
  },
});

const env = process.env;
const port = Number(values.port ?? env.OP_PORT ?? 0);
const clientId = values['client-id'] ?? env.OP_CLIENT_ID ?? 'authgate-rp';
const clientSecret = values['client-secret'] ?? env.OP_CLIENT_SECRET ?? 'authgate-rp-secret';
const redirectUris = values['redirect-uri']
  ?? (env.OP_REDIRECT_URIS ?? 'http://127.0.0.1:8080/auth/op/callback').split(',');
const authMethod = values['auth-method'] ?? env.OP_AUTH_METHOD ?? 'client_secret_basic';
const backchannelLogoutUri = values['backchannel-logout-uri'] ?? env.OP_BACKCHANNEL_LOGOUT_URI;

// The API a `resource` (RFC 8707) request gets a JWT access token (RFC 9068) for.
export const API = 'urn:authgate:third-party-api';

// The one account. Tests assert these values.
export const ACCOUNT = {
  accountId: 'op-user-42',
  claims: {
    sub: 'op-user-42',
    email: 'grace@op.example',
    email_verified: true,
    name: 'Grace Hopper',
    given_name: 'Grace',
    family_name: 'Hopper',
  },
};

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}

const configuration = {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    // authgate's default post-logout page (`/auth/logged-out`) and the site root.
    post_logout_redirect_uris: redirectUris.flatMap((u) => [
      new URL('/auth/logged-out', u).href,
      new URL('/', u).href,
    ]),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: authMethod,
    ...(backchannelLogoutUri
      ? { backchannel_logout_uri: backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  async findAccount(_ctx, id) {
    if (id !== ACCOUNT.accountId) return undefined;
    return { accountId: id, claims: async () => ({ ...ACCOUNT.claims }) };
  },
  // A first-party client: every requested scope is granted without a consent prompt.
  async loadExistingGrant(ctx) {
    const { oidc } = ctx;
    const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    if (grantId) return oidc.provider.Grant.find(grantId);
    const grant = new oidc.provider.Grant({
      clientId: oidc.client.clientId,
      accountId: oidc.session.accountId,
    });
    grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'given_name', 'family_name']);
    if (oidc.params.resource === API) grant.addResourceScope(API, 'api:read');
    await grant.save();
    return grant;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    // The logout confirmation page: just the form (a test POSTs it with logout=yes).
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!doctype html><title>Sign out</title>${form}`
          + '<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>';
      },
    },
    backchannelLogout: { enabled: true },
    // Only a request naming `resource=API` gets a JWT access token for it; without one the
    // access token is opaque and opens userinfo.
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== API) throw new errors.InvalidTarget();
        return { scope: 'api:read', audience: API, accessTokenFormat: 'jwt', accessTokenTTL: 3600 };
      },
    },
  },
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
};

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  // The interaction policy: sign the account in at once.
  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/[^/]+$/.exec(ctx.path);
    if (!match || ctx.method !== 'GET') return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const result = details.prompt.name === 'login'
      ? { login: { accountId: ACCOUNT.accountId } }
      : { consent: {} };
    ctx.respond = false;
    await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  });
  server.on('request', provider.callback());
  process.stdout.write(`READY ${JSON.stringify({ issuer, client_id: clientId, account: ACCOUNT.accountId })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
