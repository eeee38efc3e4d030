// Real OpenID Connect providers for the integration tests: panva's oidc-provider (OpenID Certified), three
// issuers in one process, each on its own loopback port with its own signing keys:
//   staff    - the municipality's staff IdP
//   citizen  - the citizens' IdP (a broker in front of MitID in production)
//   rogue    - a well-formed issuer nobody trusts, to prove the gateway refuses its tokens
//
// Usage: node server.mjs READY_FILE
// Environment: OIDC_RP_BASE_URL (the web's base URL, for the registered redirect URIs),
//              OIDC_CLIENT_SECRET (the confidential client's secret).
// When all three listen, READY_FILE receives JSON: {"staff": {"issuer": ...}, ...}. Sign-in needs no browser:
// GET the authorization URL, follow redirects to /interaction/<uid>, POST login + password to the form's
// action, follow redirects back to the redirect URI.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { once } from 'node:events';

import Provider, { errors } from 'oidc-provider';

const READY_FILE = process.argv[2];
if (!READY_FILE) {
  console.error('usage: node server.mjs READY_FILE');
  process.exit(2);
}
const RP_BASE = (process.env.OIDC_RP_BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const CLIENT_SECRET = process.env.OIDC_CLIENT_SECRET || crypto.randomBytes(32).toString('base64url');
const CLIENT_ID = 'borgerplan-web';
// RFC 8707 resource indicators must be absolute URIs; the access token's audience is the gateway's `borgerplan`.
const RESOURCE = 'urn:borgerplan';
const AUDIENCE = 'borgerplan';

const STAFF = {
  mette: {
    password: 'mette-password',
    claims: {
      sub: 'staff-mette', name: 'Mette Hansen', unit: 'hje-vest', unit_kind: 'authority', roles: ['caseworker'],
    },
  },
  lars: {
    password: 'lars-password',
    claims: {
      sub: 'staff-lars', name: 'Lars Holm', unit: 'bosted-aa', unit_kind: 'provider', roles: ['contact_person'],
    },
  },
};
const CITIZENS = {
  anna: {
    password: 'anna-password',
    claims: {
      sub: 'citizen-anna',
      name: 'Anna Jensen',
      unit: 'borger',
      unit_kind: 'external',
      roles: ['citizen'],
      citizen_id: 'cit-anna',
    },
  },
};

const ISSUERS = [
  { name: 'staff', accounts: STAFF, accessTokenAlg: 'ES256' },
  { name: 'citizen', accounts: CITIZENS, accessTokenAlg: 'RS256' },
  { name: 'rogue', accounts: STAFF, accessTokenAlg: 'RS256' },
];

function signingKeys(name) {
  // Fresh keys per run and per issuer: a key id never repeats across issuers, so a token can only verify
  // against the issuer that signed it.
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const suffix = crypto.randomBytes(4).toString('hex');
  return {
    keys: [
      { ...rsa, kid: `${name}-rs-${suffix}`, alg: 'RS256', use: 'sig' },
      { ...ec, kid: `${name}-es-${suffix}`, alg: 'ES256', use: 'sig' },
    ],
  };
}

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, clientId, error) {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign in</title></head>
<body>
  <h1>Sign in to ${escapeHtml(clientId)}</h1>
  ${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
  <form method="post" action="/interaction/${escapeHtml(uid)}/login">
    <input name="login" autofocus>
    <input name="password" type="password">
    <button type="submit">Sign in</button>
  </form>
</body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return Object.fromEntries(new URLSearchParams(body));
}

// The login and consent steps, in place of the provider's devInteractions: a plain HTML form, so a test
// drives it with ordinary HTTP requests.
async function interaction(provider, accounts, req, res) {
  const url = new URL(req.url, provider.issuer);
  const [, , uid, action] = url.pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
  const { prompt, params, session } = details;

  if (req.method === 'GET' && prompt.name === 'login') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(loginPage(uid, params.client_id));
    return;
  }

  if (req.method === 'POST' && action === 'login' && prompt.name === 'login') {
    const form = await readForm(req);
    const account = Object.hasOwn(accounts, form.login ?? '') ? accounts[form.login] : undefined;
    const ok = account && crypto.timingSafeEqual(
      crypto.hash('sha256', form.password ?? '', 'buffer'),
      crypto.hash('sha256', account.password, 'buffer'),
    );
    if (!ok) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(loginPage(uid, params.client_id, 'Unknown user or wrong password'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: account.claims.sub } }, {
      mergeWithLastSubmission: false,
    });
    return;
  }

  if (req.method === 'GET' && prompt.name === 'consent') {
    // A first-party client: what it asks for within its registration is granted without a consent screen,
    // as a municipality's IdP does for its own applications.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }

  throw new errors.InvalidRequest(`unexpected interaction ${req.method} ${prompt.name}`);
}

async function startIssuer({ name, accounts, accessTokenAlg }) {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const byId = new Map(Object.values(accounts).map((a) => [a.claims.sub, a.claims]));

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`${RP_BASE}/auth/callback`, `${RP_BASE}/auth/${name}/callback`],
        post_logout_redirect_uris: [`${RP_BASE}/`, `${RP_BASE}/signed-out`, `${RP_BASE}/log-ind?logget-ud=1`],
      },
      {
        // A public client (no secret), so the relying party's public-client path meets a real provider too.
        client_id: `${CLIENT_ID}-public`,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`${RP_BASE}/auth/callback`, `${RP_BASE}/auth/${name}/callback`],
        post_logout_redirect_uris: [`${RP_BASE}/`],
      },
    ],
    jwks: signingKeys(name),
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', 'profile'],
    claims: { openid: ['sub'], profile: ['name'] },
    // The relying party shows who is signed in from the ID token; it never parses the access token.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (indicator !== RESOURCE) throw new errors.InvalidTarget();
          return {
            scope: 'borgerplan',
            audience: AUDIENCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
            jwt: { sign: { alg: accessTokenAlg } },
          };
        },
      },
    },
    // Refresh tokens without offline_access: they end with the sign-in session, so RP-initiated logout
    // revokes them (the behaviour the web relies on).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    async findAccount(_ctx, sub) {
      const claims = byId.get(sub);
      if (!claims) return undefined;
      return { accountId: sub, claims: async () => ({ sub, name: claims.name }) };
    },
    // The claims the gateway builds its Caller from, in the JWT access token for the borgerplan audience.
    async extraTokenClaims(_ctx, token) {
      const claims = token.accountId ? byId.get(token.accountId) : undefined;
      if (!claims) return undefined;
      const { sub, ...rest } = claims;
      return rest;
    },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 300,
      IdToken: 300,
      RefreshToken: 8 * 3600,
      Grant: 8 * 3600,
      Session: 8 * 3600,
      Interaction: 600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  });

  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      interaction(provider, accounts, req, res).catch((err) => {
        console.error(`[${name}] interaction failed:`, err.message);
        if (!res.headersSent) {
          res.writeHead(err.statusCode || 500, { 'content-type': 'application/json' });
        }
        res.end(JSON.stringify({ error: err.error || 'server_error', error_description: err.error_description }));
      });
      return;
    }
    callback(req, res);
  });

  for (const event of ['server_error', 'grant.error', 'end_session.error', 'authorization.error']) {
    provider.on(event, (_ctx, err) => console.error(`[${name}] ${event}: ${err.message} ${err.error_detail || ''}`));
  }
  return { name, issuer, server };
}

const started = await Promise.all(ISSUERS.map(startIssuer));
const ready = Object.fromEntries(started.map(({ name, issuer }) => [name, { issuer }]));
ready.client_id = CLIENT_ID;
ready.public_client_id = `${CLIENT_ID}-public`;
ready.resource = RESOURCE;
ready.audience = AUDIENCE;
ready.pid = process.pid;
fs.writeFileSync(`${READY_FILE}.tmp`, JSON.stringify(ready));
fs.renameSync(`${READY_FILE}.tmp`, READY_FILE); // atomic: the reader never sees half a file
console.log(`oidc providers ready: ${JSON.stringify(ready)}`);

const stop = () => {
  for (const { server } of started) server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The test process holds our stdin open; when it dies without stopping us (killed, crashed), stdin ends and
// we go too, instead of holding ports as an orphan.
if (process.env.OIDC_EXIT_ON_STDIN_END === '1') {
  process.stdin.on('end', stop);
  process.stdin.resume();
}
