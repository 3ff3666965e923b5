import { createServer, type Server } from 'node:http';
import type { IRJwtProvider, IRRoute } from '@gateway/core';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateKeys, parseJwks } from '../../src/filters/jwks-cache.js';
import {
  claimHeaderValue,
  createJwtAuthnFilterFactory,
  extractTokens,
  readClaim,
} from '../../src/filters/jwt-authn.js';
import type { FilterOutcome, HttpFilter } from '../../src/filters/types.js';
import { closeServer, listen, makeCtx, makeDeps, makeIR, makeRoute, SOURCE, sleep } from './helpers.js';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'gateway';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let rsa1: KeyPair;
let rsa2: KeyPair;
let ec: KeyPair;
let jwk1: JWK;
let jwk2: JWK;
let jwkEc: JWK;

/** A JWKS endpoint whose key set and health the tests change. */
const jwksState = { keys: [] as JWK[], status: 200, requests: 0 };
let jwksServer: Server;
let jwksPort = 0;

beforeAll(async () => {
  rsa1 = await generateKeyPair('RS256', { extractable: true });
  rsa2 = await generateKeyPair('RS256', { extractable: true });
  ec = await generateKeyPair('ES256', { extractable: true });
  jwk1 = { ...(await exportJWK(rsa1.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwk2 = { ...(await exportJWK(rsa2.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' };
  jwkEc = { ...(await exportJWK(ec.publicKey)), kid: 'ec1' };
  jwksServer = createServer((req, res) => {
    jwksState.requests++;
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(jwksState.status, { 'content-type': 'application/json' });
    res.end(jwksState.status === 200 ? JSON.stringify({ keys: jwksState.keys }) : 'down');
  });
  jwksPort = await listen(jwksServer);
});

afterAll(async () => {
  await closeServer(jwksServer);
});

function provider(overrides: Partial<IRJwtProvider> = {}): IRJwtProvider {
  return {
    name: 'idp',
    source: SOURCE,
    issuer: ISSUER,
    audiences: [AUDIENCE],
    jwks: {
      kind: 'remote',
      uri: 'http://issuer.test/.well-known/jwks.json',
      cluster: 'jwks',
      cacheDurationMs: 300_000,
      timeoutMs: 1000,
    },
    from: [],
    claimToHeaders: [{ claim: 'sub', header: 'x-jwt-sub' }],
    algorithms: [],
    clockSkewSeconds: 60,
    forward: true,
    principal: 'sub',
    ...overrides,
  };
}

async function sign(
  claims: Record<string, unknown>,
  opts: {
    key?: KeyPair['privateKey'];
    kid?: string;
    alg?: string;
    iss?: string;
    aud?: string;
    exp?: number | string;
  } = {},
): Promise<string> {
  let jwt = new SignJWT({ sub: 'alice', ...claims })
    .setProtectedHeader({ alg: opts.alg ?? 'RS256', ...(opts.kid === '' ? {} : { kid: opts.kid ?? 'k1' }) })
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? AUDIENCE)
    .setIssuedAt();
  jwt = jwt.setExpirationTime(opts.exp ?? '10m');
  return jwt.sign(opts.key ?? rsa1.privateKey);
}

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}

interface Setup {
  filter: HttpFilter;
  route: IRRoute;
  run(
    init?: Parameters<typeof makeCtx>[2],
    route?: IRRoute,
  ): Promise<{ out: FilterOutcome; ctx: ReturnType<typeof makeCtx> }>;
  deps: ReturnType<typeof makeDeps>;
  clock: { now: number };
}

const filters: HttpFilter[] = [];
afterAll(async () => {
  await Promise.all(filters.map((f) => f.close?.()));
});

function setup(
  providers: IRJwtProvider[],
  routeAuth: Partial<IRRoute['auth']> = {},
  opts: Parameters<typeof createJwtAuthnFilterFactory>[0] = {},
): Setup {
  const clock = { now: Date.now() };
  const route = makeRoute({
    auth: {
      bypassExtAuthz: false,
      contextExtensions: {},
      jwtProviders: [providers[0]!.name],
      jwtOptional: false,
      ...routeAuth,
    },
  });
  const ir = makeIR({ jwt: providers }, [route]);
  const deps = makeDeps({ jwks: jwksPort });
  const filter = createJwtAuthnFilterFactory({ now: () => clock.now, ...opts })(ir, deps)!;
  filters.push(filter);
  return {
    filter,
    route,
    deps,
    clock,
    async run(init = {}, r = route) {
      const ctx = makeCtx(ir, r, init);
      return { out: await filter.onRequest(ctx), ctx };
    },
  };
}

const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });

function expect401(out: FilterOutcome, body: string, invalid = true): void {
  expect(out).toMatchObject({
    kind: 'respond',
    status: 401,
    body,
    headers: { 'www-authenticate': invalid ? 'Bearer error="invalid_token"' : 'Bearer' },
  });
}

describe('jwt_authn: valid tokens', () => {
  it('accepts an RS256 bearer token, sets principal, claims and claim headers', async () => {
    jwksState.keys = [jwk1, jwkEc];
    const s = setup([provider()]);
    const { out, ctx } = await s.run({ ...bearer(await sign({ groups: ['a', 'b'] })) });
    expect(out).toEqual({ kind: 'continue' });
    expect(ctx.principal).toBe('alice');
    expect(ctx.claims?.idp).toMatchObject({ sub: 'alice', iss: ISSUER, groups: ['a', 'b'] });
    expect(ctx.upstreamHeaders.get('x-jwt-sub')).toBe('alice');
    expect(ctx.upstreamHeadersToRemove.has('authorization')).toBe(false);
  });

  it('accepts ES256 keys selected by kid', async () => {
    jwksState.keys = [jwk1, jwkEc];
    const s = setup([provider()]);
    const { out } = await s.run(bearer(await sign({}, { alg: 'ES256', kid: 'ec1', key: ec.privateKey })));
    expect(out).toEqual({ kind: 'continue' });
  });

  it('tries every key of the right type when the token has no kid', async () => {
    jwksState.keys = [jwk2, jwk1];
    const s = setup([provider()]);
    const { out } = await s.run(bearer(await sign({}, { kid: '' })));
    expect(out).toEqual({ kind: 'continue' });
  });

  it('accepts tokens expired less than the clock skew ago', async () => {
    jwksState.keys = [jwk1];
    const s = setup([provider()]);
    const token = await sign({}, { exp: Math.floor(Date.now() / 1000) - 30 });
    expect((await s.run(bearer(token))).out).toEqual({ kind: 'continue' });
  });

  it('removes the token before forwarding when forward is false', async () => {
    jwksState.keys = [jwk1];
    const s = setup([provider({ forward: false })]);
    const { ctx } = await s.run(bearer(await sign({})));
    expect(ctx.upstreamHeadersToRemove.has('authorization')).toBe(true);
  });

  it('reads tokens from a custom header prefix, a query parameter and a cookie', async () => {
    jwksState.keys = [jwk1];
    const from: IRJwtProvider['from'] = [
      { kind: 'header', name: 'x-token', prefix: 'JWT ' },
      { kind: 'query', name: 'jwt' },
      { kind: 'cookie', name: 'session' },
    ];
    const s = setup([provider({ from })]);
    const t = await sign({});
    expect((await s.run({ headers: { 'x-token': `JWT ${t}` } })).out).toEqual({ kind: 'continue' });
    expect((await s.run({ query: `a=1&jwt=${t}` })).out).toEqual({ kind: 'continue' });
    expect((await s.run({ headers: { cookie: `x=1; session=${t}; y=2` } })).out).toEqual({
      kind: 'continue',
    });
    // The default Authorization header is not a location of this provider.
    expect401((await s.run(bearer(t))).out, 'Jwt is missing', false);
  });

  it('derives Kubernetes ServiceAccount principals', async () => {
    jwksState.keys = [jwk1];
    const s = setup([provider({ name: 'k8s', principal: 'kubernetes-service-account', claimToHeaders: [] })]);
    const token = await sign({
      sub: 'system:serviceaccount:ops:bot',
      'kubernetes.io': { namespace: 'ops', serviceaccount: { name: 'bot', uid: 'u' } },
    });
    const { out, ctx } = await s.run(bearer(token));
    expect(out).toEqual({ kind: 'continue' });
    expect(ctx.principal).toBe('system:serviceaccount:ops:bot');
  });

  it('passes any-of: a token for the second provider is enough', async () => {
    jwksState.keys = [jwk1];
    const other = provider({
      name: 'other',
      issuer: 'https://other.test',
      jwks: { kind: 'inline', jwks: JSON.stringify({ keys: [jwk2] }) },
      claimToHeaders: [{ claim: 'sub', header: 'x-other-sub' }],
    });
    const s = setup([provider(), other], { jwtProviders: ['idp', 'other'] });
    const token = await sign({ sub: 'bob' }, { key: rsa2.privateKey, kid: 'k2', iss: 'https://other.test' });
    const { out, ctx } = await s.run({
      headers: { authorization: `Bearer ${token}`, 'x-jwt-sub': 'spoofed' },
    });
    expect(out).toEqual({ kind: 'continue' });
    expect(ctx.principal).toBe('bob');
    expect(ctx.upstreamHeaders.get('x-other-sub')).toBe('bob');
    // The other provider's claim header cannot be spoofed by the client.
    expect(ctx.upstreamHeadersToRemove.has('x-jwt-sub')).toBe(true);
  });

  it('lets requests without a token through on jwtOptional routes, stripping claim headers', async () => {
    jwksState.keys = [jwk1];
    const s = setup([provider()], { jwtOptional: true });
    const { out, ctx } = await s.run({ headers: { 'x-jwt-sub': 'spoofed' } });
    expect(out).toEqual({ kind: 'continue' });
    expect(ctx.principal).toBeUndefined();
    expect(ctx.upstreamHeadersToRemove.has('x-jwt-sub')).toBe(true);
    // ...but a present, invalid token is still rejected.
    expect401((await s.run(bearer('a.b.c'))).out, 'Jwt header is an invalid JSON');
  });

  it('answers synchronously for a token it has verified before', async () => {
    jwksState.keys = [jwk1];
    const s = setup([provider()]);
    const token = await sign({});
    expect((await s.run(bearer(token))).out).toEqual({ kind: 'continue' });
    const ir = makeIR({ jwt: [provider()] }, [s.route]);
    const ctx = makeCtx(ir, s.route, bearer(token));
    const out = s.filter.onRequest(ctx);
    expect(out instanceof Promise).toBe(false);
    expect(out).toEqual({ kind: 'continue' });
    expect(ctx.principal).toBe('alice');
  });

  it('remembers verified tokens but still enforces exp', async () => {
    jwksState.keys = [jwk1];
    const s = setup([provider({ clockSkewSeconds: 0 })]);
    const token = await sign({}, { exp: Math.floor(Date.now() / 1000) + 120 });
    expect((await s.run(bearer(token))).out).toEqual({ kind: 'continue' });
    expect((await s.run(bearer(token))).out).toEqual({ kind: 'continue' });
    s.clock.now += 180_000;
    expect401((await s.run(bearer(token))).out, 'Jwt is expired');
  });
});

describe('jwt_authn: rejected tokens', () => {
  it('missing token: 401 with a bare Bearer challenge', async () => {
    const s = setup([provider()]);
    expect401((await s.run()).out, 'Jwt is missing', false);
  });

  it('expired', async () => {
    jwksState.keys = [jwk1];
    const s = setup([provider()]);
    const token = await sign({}, { exp: Math.floor(Date.now() / 1000) - 600 });
    expect401((await s.run(bearer(token))).out, 'Jwt is expired');
  });

  it('not yet valid (nbf beyond the skew)', async () => {
    jwksState.keys = [jwk1];
    const s = setup([provider()]);
    const token = await sign({ nbf: Math.floor(Date.now() / 1000) + 600 });
    expect401((await s.run(bearer(token))).out, 'Jwt not yet valid');
  });

  it('wrong audience', async () => {
    jwksState.keys = [jwk1];
    const s = setup([provider()]);
    expect401(
      (await s.run(bearer(await sign({}, { aud: 'someone-else' })))).out,
      'Audiences in Jwt are not allowed',
    );
  });

  it('wrong issuer', async () => {
    jwksState.keys = [jwk1];
    const s = setup([provider()]);
    expect401(
      (await s.run(bearer(await sign({}, { iss: 'https://evil.test' })))).out,
      'Jwt issuer is not configured',
    );
  });

  it('alg none, even when listed by the provider', async () => {
    jwksState.keys = [jwk1];
    const s = setup([provider({ algorithms: ['RS256', 'none'] })]);
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(
      JSON.stringify({ sub: 'mallory', iss: ISSUER, aud: AUDIENCE, exp: now + 600 }),
    )}.`;
    expect401((await s.run(bearer(unsigned))).out, 'Jwt algorithm is not allowed');
    expect401((await s.run(bearer(`${unsigned}AAAA`))).out, 'Jwt algorithm is not allowed');
  });

  it('tampered payload keeps the old signature', async () => {
    jwksState.keys = [jwk1];
    const s = setup([provider()]);
    const [h, p, sig] = (await sign({ role: 'user' })).split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${b64url(JSON.stringify({ ...payload, role: 'admin' }))}.${sig}`;
    expect401((await s.run(bearer(forged))).out, 'Jwt verification fails');
  });

  it('signed by a key not in the set (same kid)', async () => {
    jwksState.keys = [jwk1];
    const s = setup([provider()], {}, { unknownKidRefetchIntervalMs: 0 });
    expect401(
      (await s.run(bearer(await sign({}, { key: rsa2.privateKey, kid: 'k1' })))).out,
      'Jwt verification fails',
    );
  });

  it('HS256 signed with the RSA public key (algorithm confusion)', async () => {
    jwksState.keys = [jwk1];
    const pem = await exportSPKI(rsa1.publicKey);
    const secret = new TextEncoder().encode(pem);
    const forged = await new SignJWT({ sub: 'mallory' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(secret);
    // Default allow-list: asymmetric only.
    expect401((await setup([provider()]).run(bearer(forged))).out, 'Jwt algorithm is not allowed');
    // Even with HS256 allowed, an RSA key is never used as an HMAC secret.
    const lenient = setup(
      [provider({ algorithms: ['RS256', 'HS256'] })],
      {},
      { unknownKidRefetchIntervalMs: 60_000 },
    );
    expect401((await lenient.run(bearer(forged))).out, "Jwks doesn't have key to match kid or alg from Jwt");
  });

  it('garbage and oversized tokens', async () => {
    const s = setup([provider()]);
    expect401((await s.run(bearer('not-a-jwt'))).out, 'Jwt is not in the form of Header.Payload.Signature');
    expect401(
      (await s.run(bearer(`a.${'b'.repeat(20_000)}.c`))).out,
      'Jwt is not in the form of Header.Payload.Signature',
    );
  });

  it('answers gRPC clients with UNAUTHENTICATED', async () => {
    const s = setup([provider()]);
    const { out } = await s.run({ headers: { 'content-type': 'application/grpc' } });
    expect(out).toMatchObject({ kind: 'respond', status: 200, headers: { 'grpc-status': '16' } });
  });

  it('routes requiring an unknown provider fail closed', async () => {
    const s = setup([provider()], { jwtProviders: ['ghost'] });
    expect((await s.run(bearer(await sign({})))).out).toMatchObject({ kind: 'respond', status: 401 });
    expect(s.deps.logs.some((l) => l.level === 'error' && l.obj && 'provider' in l.obj)).toBe(true);
  });

  it('an invalid inline JWKS is reported and fails closed', async () => {
    const s = setup([provider({ jwks: { kind: 'inline', jwks: '{"keys": "nope"}' } })]);
    expect(s.deps.logs[0]).toMatchObject({ level: 'error', obj: { provider: 'idp', path: 'jwks.jwks' } });
    expect401((await s.run(bearer(await sign({})))).out, 'Jwks remote fetch is failed');
  });
});

describe('jwt_authn: remote JWKS caching and rotation', () => {
  it('refetches on an unknown kid (key rotation), at most once per interval', async () => {
    jwksState.keys = [jwk1];
    jwksState.status = 200;
    const s = setup([provider()], {}, { unknownKidRefetchIntervalMs: 30_000 });
    expect((await s.run(bearer(await sign({})))).out).toEqual({ kind: 'continue' });
    const before = jwksState.requests;
    // The issuer rotates to k2.
    jwksState.keys = [jwk1, jwk2];
    const rotated = await sign({}, { key: rsa2.privateKey, kid: 'k2' });
    expect((await s.run(bearer(rotated))).out).toEqual({ kind: 'continue' });
    expect(jwksState.requests).toBe(before + 1);
    // Random kids cannot make the gateway hammer the JWKS endpoint.
    for (let i = 0; i < 5; i++) {
      expect401(
        (await s.run(bearer(await sign({}, { kid: `random-${i}` })))).out,
        "Jwks doesn't have key to match kid or alg from Jwt",
      );
    }
    expect(jwksState.requests).toBe(before + 1);
    s.clock.now += 30_000;
    await s.run(bearer(await sign({}, { kid: 'random-x' })));
    expect(jwksState.requests).toBe(before + 2);
  });

  it('fails closed while the JWKS endpoint is down and backs off between attempts', async () => {
    jwksState.status = 503;
    const s = setup([provider()], {}, { jwksBackoffBaseMs: 1000 });
    const token = await sign({});
    const before = jwksState.requests;
    expect401((await s.run(bearer(token))).out, 'Jwks remote fetch is failed');
    expect401((await s.run(bearer(token))).out, 'Jwks remote fetch is failed');
    expect(jwksState.requests).toBe(before + 1);
    expect(s.deps.logs.some((l) => l.level === 'warn' && l.msg === 'JWKS fetch failed')).toBe(true);
    // After the backoff the endpoint is tried again and works.
    jwksState.status = 200;
    jwksState.keys = [jwk1];
    s.clock.now += 1000;
    expect((await s.run(bearer(token))).out).toEqual({ kind: 'continue' });
    expect(jwksState.requests).toBe(before + 2);
  });

  it('serves stale keys when a refresh fails', async () => {
    jwksState.status = 200;
    jwksState.keys = [jwk1];
    const s = setup([provider()]);
    const token = await sign({});
    expect((await s.run(bearer(token))).out).toEqual({ kind: 'continue' });
    const before = jwksState.requests;
    jwksState.status = 500;
    s.clock.now += 300_000; // cache duration elapsed
    expect((await s.run(bearer(await sign({ n: 1 })))).out).toEqual({ kind: 'continue' });
    for (let i = 0; i < 50 && jwksState.requests === before; i++) await sleep(10);
    expect(jwksState.requests).toBe(before + 1);
    await sleep(20);
    expect((await s.run(bearer(await sign({ n: 2 })))).out).toEqual({ kind: 'continue' });
    jwksState.status = 200;
  });
});

describe('jwt helpers', () => {
  it('never picks a key whose type does not fit the algorithm', () => {
    const oct: JWK = { kty: 'oct', k: 'c2VjcmV0', kid: 'h' };
    expect(candidateKeys([jwk1, oct], 'HS256', undefined)).toEqual([oct]);
    expect(candidateKeys([jwk1, oct], 'RS256', undefined)).toEqual([jwk1]);
    expect(candidateKeys([jwk1], 'PS256', undefined)).toEqual([]); // jwk1 says alg RS256
    expect(candidateKeys([jwk1], 'none', undefined)).toEqual([]);
    expect(candidateKeys([jwk1], '__proto__', undefined)).toEqual([]);
  });

  it('parses JWKS documents and reports problems', () => {
    expect(parseJwks('nope')).toMatchObject({ error: expect.stringContaining('not JSON') });
    expect(parseJwks('{"keys":[{"x":1}]}')).toEqual({ error: 'JWKS has no usable keys' });
    expect(parseJwks('{"kty":"oct","k":"AA"}')).toEqual({ keys: [{ kty: 'oct', k: 'AA' }] });
  });

  it('converts claims to header values safely', () => {
    expect(claimHeaderValue('a')).toBe('a');
    expect(claimHeaderValue(3)).toBe('3');
    expect(claimHeaderValue(['a', 'b'])).toBe('a,b');
    expect(claimHeaderValue({ a: 1 })).toBeUndefined();
    expect(claimHeaderValue('a\r\nx-injected: 1')).toBeUndefined();
  });

  it('reads nested and dotted claims', () => {
    const p = { 'kubernetes.io': { namespace: 'ns' }, a: { b: { c: 1 } } };
    expect(readClaim(p, 'kubernetes.io.namespace')).toBe('ns');
    expect(readClaim(p, 'a.b.c')).toBe(1);
    expect(readClaim(p, 'a.x')).toBeUndefined();
  });

  it('extracts Bearer tokens case-insensitively and only with the prefix', () => {
    const p = { from: [] };
    expect(extractTokens(p, { headers: { authorization: 'bearer abc' }, query: '' })).toHaveLength(1);
    expect(extractTokens(p, { headers: { authorization: 'Basic abc' }, query: '' })).toHaveLength(0);
    expect(extractTokens(p, { headers: {}, query: 'access_token=t' })[0]?.token).toBe('t');
  });
});
