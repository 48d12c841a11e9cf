// The registry check against Debian's docker-registry on loopback, and the token exchanges against
// a small recorded token service (the registry package serves no Bearer tokens itself).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pushTestImage, skipWithoutRegistry, startRegistry, type RegistryHandle } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findImage, MANIFEST_ACCEPT } from './registry-client.js';

describe.skipIf(skipWithoutRegistry())('findImage against a real registry (docker-registry)', () => {
  let registry: RegistryHandle;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry?.stop());

  it('finds a pushed tag with its digest and reports an absent tag or repository as missing', async () => {
    const digest = await pushTestImage(registry.url, 'ridge', '0123456789ab');
    expect(await findImage(`${registry.host}/ridge:0123456789ab`)).toEqual({ exists: true, digest });
    expect(await findImage(`${registry.host}/ridge:ffffffffffff`)).toEqual({ exists: false });
    expect(await findImage(`${registry.host}/nowhere:0123456789ab`)).toEqual({ exists: false });
  });

  it('says which registry it cannot reach', async () => {
    await expect(findImage('127.0.0.1:1/ridge:abc')).rejects.toMatchObject({
      code: 'Registry',
      message: expect.stringMatching(/^images: cannot reach 127\.0\.0\.1:1/),
    });
  });
});

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

/**
 * A registry that demands a Bearer token, and its token service (ACR's /oauth2/exchange and
 * /oauth2/token, or a Docker-style GET realm).
 */
async function tokenProtectedRegistry(): Promise<{ host: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const url = new URL(request.url!, 'http://x');
    seen.push({
      method: request.method!,
      url: request.url!,
      ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      body,
    });
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const json = (status: number, value: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (url.pathname === '/oauth2/exchange') {
      const form = new URLSearchParams(body);
      return form.get('grant_type') === 'access_token' && form.get('access_token') === 'aad-token'
        ? json(200, { refresh_token: 'acr-refresh' })
        : json(401, { errors: [] });
    }
    if (url.pathname === '/oauth2/token' && request.method === 'POST') {
      const form = new URLSearchParams(body);
      return form.get('refresh_token') === 'acr-refresh' ? json(200, { access_token: 'acr-access' }) : json(401, {});
    }
    if (url.pathname === '/token') {
      return request.headers.authorization === `Basic ${Buffer.from('bot:s3cret').toString('base64')}`
        ? json(200, { token: 'basic-token' })
        : json(401, {});
    }
    if (url.pathname.startsWith('/v2/')) {
      if (request.headers.accept !== MANIFEST_ACCEPT) return json(400, {});
      const ok = request.headers.authorization === 'Bearer acr-access' || request.headers.authorization === 'Bearer basic-token';
      if (!ok) {
        const realm = url.pathname.includes('acr') ? `http://${host}/oauth2/token` : `http://${host}/token`;
        response
          .writeHead(401, {
            'www-authenticate': `Bearer realm="${realm}",service="${host}",scope="repository:${url.pathname.split('/')[2]}:pull"`,
          })
          .end();
        return;
      }
      response.writeHead(url.pathname.endsWith('/present') ? 200 : 404, { 'docker-content-digest': 'sha256:abc' }).end();
      return;
    }
    json(404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe('findImage with Bearer challenges', () => {
  let fake: Awaited<ReturnType<typeof tokenProtectedRegistry>>;
  beforeAll(async () => {
    fake = await tokenProtectedRegistry();
  });
  afterAll(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

  it('exchanges an Azure AD token for an ACR refresh token, then for an access token scoped to the repository', async () => {
    fake.seen.length = 0;
    const credentials = { kind: 'azure' as const, getAadToken: async () => 'aad-token' };
    expect(await findImage(`${fake.host}/acr:present`, { credentials })).toEqual({ exists: true, digest: 'sha256:abc' });
    expect(await findImage(`${fake.host}/acr:absent`, { credentials })).toEqual({ exists: false });
    const exchanges = fake.seen.filter((item) => item.url === '/oauth2/exchange');
    expect(exchanges).toHaveLength(1); // the refresh token is reused
    expect(new URLSearchParams(exchanges[0]!.body).get('service')).toBe(fake.host);
    const token = fake.seen.find((item) => item.url === '/oauth2/token')!;
    expect(Object.fromEntries(new URLSearchParams(token.body))).toMatchObject({
      grant_type: 'refresh_token',
      scope: 'repository:acr:pull',
      refresh_token: 'acr-refresh',
    });
  });

  it('asks a Docker-style token realm with Basic credentials, and fails clearly when they are refused', async () => {
    expect(
      await findImage(`${fake.host}/basic:present`, { credentials: { kind: 'basic', username: 'bot', password: 's3cret' } }),
    ).toMatchObject({ exists: true });
    const tokenRequest = fake.seen.filter((item) => item.url.startsWith('/token')).at(-1)!;
    expect(new URL(tokenRequest.url, 'http://x').searchParams.get('scope')).toBe('repository:basic:pull');
    const refused = findImage(`${fake.host}/basic:present`, { credentials: { kind: 'basic', username: 'bot', password: 'wrong' } });
    await expect(refused).rejects.toMatchObject({ code: 'RegistryAuth' });
    await expect(refused).rejects.not.toThrow(/wrong/);
  });
});
