// A real OpenID provider for Roster's SSO tests: oauth2-mock-server (pinned in
// package.json), bound to 127.0.0.1, with an RSA key (RS256) generated at each start.
// Start it with `eval "$(bash scripts/oidc.sh)"` (stop: `bash scripts/oidc.sh stop`), or
// by hand with `node tests/oidc/provider.mjs` (ROSTER_OIDC_PORT picks the port; 0, the
// default, takes a free one). When it is ready it prints one line to stdout:
//
//     ROSTER_OIDC_ISSUER=http://127.0.0.1:PORT
//
// It also runs a DNS server (dns.mjs) for domain ownership proofs, and prints where:
//
//     ROSTER_DNS_SERVER=127.0.0.1:PORT
//     ROSTER_TEST_DNS_ZONE=/tmp/roster-dns-zone-XXXX   (write a file per TXT record here)
//
// Endpoints (under the issuer): /.well-known/openid-configuration, /jwks, /authorize,
// /token, /userinfo, /revoke, /endsession, /introspect.
//
// The flow is authorization code + PKCE. GET /authorize never shows a page: it answers
// 302 straight to redirect_uri?code=...&state=..., so a test follows it with a plain HTTP
// client. It is strict where a correct relying party has to be:
//   - /authorize wants response_type=code, client_id, a scope containing `openid`, state,
//     nonce, redirect_uri, and code_challenge with code_challenge_method=S256; otherwise it
//     redirects back with error=invalid_request (and error_description saying why).
//   - /token (grant_type=authorization_code) wants a code issued by /authorize, not yet
//     redeemed (single use, 10 minutes), the same client_id (HTTP Basic, RFC 6749 2.3.1
//     encoding, or client_id in the form) and the same redirect_uri as the authorize
//     request, and the code_verifier (checked against the S256 challenge); otherwise 400
//     {"error":"invalid_grant", "error_description": ...} (oauth2-mock-server's own PKCE
//     check answers "invalid_request" for a verifier that doesn't match and for a code
//     presented again with a verifier). The client secret is not checked unless the
//     login asks for it (test_client_secret below).
//   - The ID token carries iss = the issuer, aud = the client_id, sub, iat/exp, and the
//     `nonce` of the authorize request.
//
// A test controls each login's ID token through the authorize request; the test can add
// these query parameters to the authorize URL that Roster redirects it to (when a
// parameter is repeated, the last one counts), so concurrent tests never interfere:
//
//   login_hint=alice@example.com
//       The ID token has email=alice@example.com, email_verified=true,
//       sub=<stable hash of the lowercased email>, name=alice. Without a login_hint the ID
//       token has no email claims and sub=johndoe.
//   login_hint=MODE+MODE+...+alice@example.com
//       Modes, any number, in any order, before the email (the separator is `+`, or a
//       space, which is what an unencoded `+` in a query string decodes to):
//         unverified      email_verified=false
//         wrong-issuer    iss=https://wrong-issuer.example.com
//         wrong-audience  aud=some-other-client
//         wrong-nonce     nonce=wrong-nonce-<random>
//         no-nonce        no nonce claim
//         expired         iat two hours ago, exp one hour ago
//         unknown-kid     the header's kid names no key of the JWKS (signature still good)
//         bad-signature   the signature is corrupted
//         new-key         signed with a key generated for this login, which the JWKS
//                         publishes from the moment the token is issued (a relying party
//                         that caches the JWKS has to fetch it again for the unknown kid)
//         token-error     the token endpoint answers 400 invalid_grant
//         access-denied   /authorize redirects back with error=access_denied, no code
//       e.g. login_hint=unverified%2Balice%40example.com, or
//            login_hint=wrong-issuer+alice@example.com (unencoded, `+` reads as a space).
//   test_claims={"email_verified":"true","name":"Alice Smith","email":null}
//       A JSON object merged into the ID token's claims last (null deletes a claim), for
//       anything the modes don't cover.
//   test_client_secret=s3cret
//       The token endpoint then wants exactly this client secret (Basic or in the form),
//       and answers 401 {"error":"invalid_client"} to any other.
//
// The userinfo endpoint is oauth2-mock-server's stock one ({"sub":"johndoe"}).

import { createServer } from 'node:http';
import { createHash, generateKeyPairSync, randomBytes, sign as cryptoSign } from 'node:crypto';
import { OAuth2Issuer, OAuth2Service } from 'oauth2-mock-server';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDns } from './dns.mjs';

const HOST = '127.0.0.1';
const PORT = Number(process.env.ROSTER_OIDC_PORT ?? 0);
const CODE_TTL_MS = 10 * 60 * 1000;
const MODES = new Set([
  'unverified',
  'wrong-issuer',
  'wrong-audience',
  'wrong-nonce',
  'no-nonce',
  'expired',
  'unknown-kid',
  'bad-signature',
  'new-key',
  'token-error',
  'access-denied',
]);

const issuer = new OAuth2Issuer();
await issuer.keys.generate('RS256');
const service = new OAuth2Service(issuer);

/** Logins by authorization code: what /authorize was asked, for /token to honour. */
const logins = new Map();
/** Public JWKs of the keys made for `new-key` logins, published with the issuer's own. */
const extraJwks = [];

const random = () => randomBytes(12).toString('hex');
const b64url = (value) => Buffer.from(value).toString('base64url');
const lastValue = (v) => (Array.isArray(v) ? v[v.length - 1] : v);

function parseLoginHint(hint) {
  const modes = new Set();
  let rest = hint;
  for (;;) {
    const m = /^([a-z-]+)[+ ]/.exec(rest);
    if (!m || !MODES.has(m[1])) break;
    modes.add(m[1]);
    rest = rest.slice(m[0].length);
  }
  if (MODES.has(rest)) {
    modes.add(rest);
    rest = '';
  }
  return { modes, email: rest === '' ? undefined : rest };
}

/** The client of a token request: HTTP Basic (form-urlencoded parts) or the form. */
function tokenClient(req) {
  const header = req.headers.authorization ?? '';
  const m = /^Basic\s+(.+)$/i.exec(header);
  if (m) {
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const formDecode = (s) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, '%20'));
      } catch {
        return s;
      }
    };
    if (i >= 0) return { id: formDecode(decoded.slice(0, i)), secret: formDecode(decoded.slice(i + 1)) };
  }
  return { id: req.body?.client_id, secret: req.body?.client_secret };
}

function purgeOldLogins() {
  const now = Date.now();
  for (const [code, login] of logins) if (now - login.created > 2 * CODE_TTL_MS) logins.delete(code);
}

service.on('beforeAuthorizeRedirect', (redirect, req) => {
  purgeOldLogins();
  const { url } = redirect;
  const code = url.searchParams.get('code');
  if (code === null) return; // oauth2-mock-server already answers an error (response_type)
  const q = req.query;
  const refuse = (error, description) => {
    url.searchParams.delete('code');
    url.searchParams.set('error', error);
    url.searchParams.set('error_description', description);
  };
  const scope = lastValue(q.scope) ?? '';
  const missing = ['client_id', 'state', 'nonce', 'code_challenge'].filter((k) => !lastValue(q[k]));
  if (missing.length > 0) return refuse('invalid_request', `missing ${missing.join(', ')}`);
  if (!scope.split(' ').includes('openid')) return refuse('invalid_request', 'scope must contain openid');
  if (lastValue(q.code_challenge_method) !== 'S256') {
    return refuse('invalid_request', 'PKCE with code_challenge_method=S256 is required');
  }
  const { modes, email } = parseLoginHint(lastValue(q.login_hint) ?? '');
  let claims = {};
  const rawClaims = lastValue(q.test_claims);
  if (rawClaims !== undefined) {
    try {
      claims = JSON.parse(rawClaims);
    } catch {
      return refuse('invalid_request', 'test_claims is not JSON');
    }
    if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
      return refuse('invalid_request', 'test_claims is not a JSON object');
    }
  }
  if (modes.has('access-denied')) return refuse('access_denied', 'the user declined (access-denied login hint)');
  logins.set(code, {
    created: Date.now(),
    used: false,
    clientId: lastValue(q.client_id),
    redirectUri: lastValue(q.redirect_uri),
    clientSecret: lastValue(q.test_client_secret),
    modes,
    email,
    claims,
  });
});

service.on('beforeTokenSigning', (token, req) => {
  // Called for the access token and then for the ID token; only the latter has no scope.
  if (req.body.grant_type !== 'authorization_code' || 'scope' in token.payload) return;
  const login = logins.get(req.body.code);
  if (login === undefined || login.used) return; // beforeResponse refuses it
  const { header, payload } = token;
  const { modes, email } = login;
  payload.aud = tokenClient(req).id;
  if (email !== undefined) {
    payload.sub = `sub-${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 24)}`;
    payload.email = email;
    payload.email_verified = !modes.has('unverified');
    payload.name = email.split('@')[0];
  }
  const now = Math.floor(Date.now() / 1000);
  if (modes.has('wrong-issuer')) payload.iss = 'https://wrong-issuer.example.com';
  if (modes.has('wrong-audience')) payload.aud = 'some-other-client';
  if (modes.has('wrong-nonce')) payload.nonce = `wrong-nonce-${random()}`;
  if (modes.has('no-nonce')) delete payload.nonce;
  if (modes.has('expired')) {
    payload.iat = now - 7200;
    payload.nbf = now - 7200;
    payload.exp = now - 3600;
  }
  if (modes.has('unknown-kid')) header.kid = `unknown-kid-${random()}`;
  for (const [k, v] of Object.entries(login.claims)) {
    if (v === null) delete payload[k];
    else payload[k] = v;
  }
});

service.on('beforeResponse', (response, req) => {
  if (req.body.grant_type !== 'authorization_code') return;
  const fail = (statusCode, error, description) => {
    response.statusCode = statusCode;
    response.body = { error, error_description: description };
  };
  const login = logins.get(req.body.code);
  if (login === undefined) return fail(400, 'invalid_grant', 'unknown authorization code');
  if (login.used) return fail(400, 'invalid_grant', 'authorization code already used');
  login.used = true;
  if (Date.now() - login.created > CODE_TTL_MS) return fail(400, 'invalid_grant', 'authorization code expired');
  const client = tokenClient(req);
  if (client.id !== login.clientId) return fail(400, 'invalid_grant', 'code was issued to another client_id');
  if (login.clientSecret !== undefined && client.secret !== login.clientSecret) {
    return fail(401, 'invalid_client', 'wrong client secret');
  }
  if (req.body.redirect_uri !== login.redirectUri) {
    return fail(400, 'invalid_grant', 'redirect_uri differs from the authorize request');
  }
  if (!req.body.code_verifier) return fail(400, 'invalid_grant', 'PKCE code_verifier required');
  if (login.modes.has('token-error')) return fail(400, 'invalid_grant', 'token-error login hint');

  const idToken = response.body.id_token;
  if (typeof idToken !== 'string') return;
  let [h, p, s] = idToken.split('.');
  if (login.modes.has('new-key')) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = `new-key-${random()}`;
    extraJwks.push({ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' });
    h = b64url(JSON.stringify({ ...JSON.parse(Buffer.from(h, 'base64url')), kid }));
    s = cryptoSign('sha256', Buffer.from(`${h}.${p}`), privateKey).toString('base64url');
  }
  if (login.modes.has('bad-signature')) {
    const sig = Buffer.from(s, 'base64url');
    sig[0] ^= 0x01;
    s = sig.toString('base64url');
  }
  response.body.id_token = `${h}.${p}.${s}`;
});

const server = createServer((req, res) => {
  res.on('finish', () => {
    process.stderr.write(`${new Date().toISOString()} ${req.method} ${req.url.split('?')[0]} ${res.statusCode}\n`);
  });
  if (req.method === 'GET' && new URL(req.url, 'http://x').pathname === '/jwks') {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('access-control-allow-origin', '*');
    res.end(JSON.stringify({ keys: [...issuer.keys.toJSON(), ...extraJwks] }));
    return;
  }
  service.requestHandler(req, res);
});

// The DNS server for domain ownership proofs (dns.mjs): its zone is a directory a test
// writes records into (ROSTER_TEST_DNS_ZONE, or a new temporary one).
const zone = process.env.ROSTER_TEST_DNS_ZONE || mkdtempSync(join(tmpdir(), 'roster-dns-zone-'));
const dns = await startDns(zone, Number(process.env.ROSTER_DNS_PORT ?? 0));

server.listen(PORT, HOST, () => {
  // oauth2-mock-server would name 127.0.0.1 "localhost"; Roster is told 127.0.0.1.
  issuer.url = `http://${HOST}:${server.address().port}`;
  process.stdout.write(`ROSTER_DNS_SERVER=127.0.0.1:${dns.port}\nROSTER_TEST_DNS_ZONE=${zone}\n`);
  process.stdout.write(`ROSTER_OIDC_ISSUER=${issuer.url}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
