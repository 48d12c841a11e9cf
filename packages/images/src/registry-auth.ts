/**
 * Registry credentials and the Bearer token dance of the distribution API: a `401` with
 * `WWW-Authenticate: Bearer realm=…,service=…,scope=…` is answered by asking the realm for a token
 * (Basic credentials, or an ACR refresh token obtained from an Azure AD access token).
 */
import { ImagesError } from './errors.js';
import { registryBaseUrl } from './image-ref.js';

/** The username ACR expects alongside a refresh token (for `docker login` too). */
export const ACR_REFRESH_USER = '00000000-0000-0000-0000-000000000000';

export type RegistryCredentials =
  /** Username and password (or a personal access token): used as Basic auth, also towards the token realm. */
  | { kind: 'basic'; username: string; password: string }
  /** Azure Container Registry with an Azure identity: `getAadToken` returns an Azure AD access token. */
  | { kind: 'azure'; getAadToken: () => Promise<string>; tenant?: string };

export interface AuthContext {
  registry: string;
  credentials?: RegistryCredentials;
  fetch: typeof fetch;
  plainHttp?: boolean;
}

interface BearerChallenge {
  realm: string;
  service?: string;
  scope?: string;
}

/** Parses `Bearer realm="…",service="…",scope="…"`; `undefined` for other schemes. */
export function parseBearerChallenge(header: string | null): BearerChallenge | undefined {
  if (!header || !/^bearer\s/i.test(header)) return undefined;
  const fields: Record<string, string> = {};
  for (const match of header.slice(7).matchAll(/([a-z_]+)="([^"]*)"/gi)) fields[match[1]!.toLowerCase()] = match[2]!;
  if (!fields.realm) return undefined;
  return { realm: fields.realm, ...(fields.service ? { service: fields.service } : {}), ...(fields.scope ? { scope: fields.scope } : {}) };
}

/** The `Authorization` header to retry with after a 401 carrying `challenge`. */
export async function authorizationFor(challenge: string | null, context: AuthContext, scope: string): Promise<string> {
  if (challenge && /^basic\s/i.test(challenge)) {
    const basic = await basicCredentials(context);
    if (!basic)
      throw new ImagesError('RegistryAuth', `${context.registry} asks for credentials and none were given`, {
        hint: 'set MXN_REGISTRY_USERNAME and MXN_REGISTRY_PASSWORD, or use an Azure identity for ACR',
      });
    return `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  }
  const bearer = parseBearerChallenge(challenge);
  if (!bearer) throw new ImagesError('Registry', `${context.registry} answered 401 without a usable WWW-Authenticate challenge`);
  return `Bearer ${await bearerToken(bearer, context, scope)}`;
}

/** Credentials as Basic username/password (for ACR: the refresh-token user and an exchanged refresh token). */
export async function basicCredentials(context: AuthContext): Promise<{ username: string; password: string } | undefined> {
  const credentials = context.credentials;
  if (!credentials) return undefined;
  if (credentials.kind === 'basic') return { username: credentials.username, password: credentials.password };
  return { username: ACR_REFRESH_USER, password: await acrRefreshToken(context) };
}

async function bearerToken(challenge: BearerChallenge, context: AuthContext, fallbackScope: string): Promise<string> {
  const service = challenge.service ?? context.registry;
  const scope = challenge.scope ?? fallbackScope;
  let response: Response;
  try {
    if (context.credentials?.kind === 'azure') {
      // ACR: POST /oauth2/token with the refresh token from /oauth2/exchange.
      const body = new URLSearchParams({ grant_type: 'refresh_token', service, scope, refresh_token: await acrRefreshToken(context) });
      response = await context.fetch(challenge.realm, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    } else {
      const url = new URL(challenge.realm);
      url.searchParams.set('service', service);
      url.searchParams.set('scope', scope);
      const basic = await basicCredentials(context);
      const headers: Record<string, string> = basic
        ? { authorization: `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}` }
        : {};
      response = await context.fetch(url, { headers });
    }
  } catch (error) {
    throw new ImagesError('Registry', `cannot reach the token service of ${context.registry} (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new ImagesError('RegistryAuth', `the token service of ${context.registry} refused the credentials (HTTP ${response.status})`, {
      hint: 'check the registry credentials or the identity’s AcrPull/AcrPush role',
    });
  }
  const json = (await response.json()) as { token?: string; access_token?: string };
  const token = json.token ?? json.access_token;
  if (!token) throw new ImagesError('Registry', `the token service of ${context.registry} returned no token`);
  return token;
}

const refreshTokens = new WeakMap<object, Promise<string>>();

/** ACR: exchanges an Azure AD access token for a registry refresh token (`POST /oauth2/exchange`), once per credentials object. */
export function acrRefreshToken(context: AuthContext): Promise<string> {
  const credentials = context.credentials;
  if (credentials?.kind !== 'azure') return Promise.reject(new ImagesError('RegistryAuth', 'an ACR refresh token needs Azure credentials'));
  let pending = refreshTokens.get(credentials);
  if (!pending) {
    pending = exchange(context, credentials);
    refreshTokens.set(credentials, pending);
    pending.catch(() => refreshTokens.delete(credentials));
  }
  return pending;
}

async function exchange(context: AuthContext, credentials: Extract<RegistryCredentials, { kind: 'azure' }>): Promise<string> {
  let aad: string;
  try {
    aad = await credentials.getAadToken();
  } catch (error) {
    throw new ImagesError('RegistryAuth', `no Azure AD token for ${context.registry} (${(error as Error).message})`, {
      cause: error,
      hint: 'log in with azure/login (OIDC) before building images',
    });
  }
  const body = new URLSearchParams({
    grant_type: 'access_token',
    service: context.registry,
    access_token: aad,
    ...(credentials.tenant ? { tenant: credentials.tenant } : {}),
  });
  const response = await context.fetch(`${registryBaseUrl(context.registry, context.plainHttp)}/oauth2/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  if (!response.ok)
    throw new ImagesError('RegistryAuth', `${context.registry} refused the Azure AD token exchange (HTTP ${response.status})`, {
      hint: 'give the workflow identity the AcrPush role on the registry',
    });
  const json = (await response.json()) as { refresh_token?: string };
  if (!json.refresh_token) throw new ImagesError('Registry', `${context.registry} returned no refresh token`);
  return json.refresh_token;
}

/** Credentials from the environment: `MXN_REGISTRY_USERNAME`/`MXN_REGISTRY_PASSWORD`, else an Azure identity for `*.azurecr.io`. */
export function registryCredentialsFromEnv(registry: string, env: NodeJS.ProcessEnv = process.env): RegistryCredentials | undefined {
  if (env.MXN_REGISTRY_USERNAME && env.MXN_REGISTRY_PASSWORD)
    return { kind: 'basic', username: env.MXN_REGISTRY_USERNAME, password: env.MXN_REGISTRY_PASSWORD };
  if (/\.azurecr\.(io|cn|us)$/i.test(registry.replace(/:\d+$/, ''))) {
    return {
      kind: 'azure',
      ...(env.AZURE_TENANT_ID ? { tenant: env.AZURE_TENANT_ID } : {}),
      getAadToken: async () => {
        const { DefaultAzureCredential } = await import('@azure/identity');
        const token = await new DefaultAzureCredential().getToken('https://management.azure.com/.default');
        if (!token) throw new Error('DefaultAzureCredential returned no token');
        return token.token;
      },
    };
  }
  return undefined;
}
