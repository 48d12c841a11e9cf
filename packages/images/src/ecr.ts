/**
 * Amazon ECR as a push target (`mxn build --push --registry <account>.dkr.ecr.<region>.amazonaws.com/<prefix>`),
 * with `@aws-sdk/client-ecr` (loaded only for an ECR registry): GetAuthorizationToken for the
 * `docker login` (user `AWS`) and the host it names (the token's proxy endpoint: the registry itself
 * on AWS), DescribeImages to skip an image whose content tag exists, CreateRepository for a model
 * pushed for the first time (tags IMMUTABLE, scan on push). Credentials come from the AWS default
 * chain; the region from the registry name; the endpoint from `AWS_ENDPOINT_URL_ECR` (the SDK's own).
 */
import { ImagesError } from './errors.js';
import type { RegistryCredentials } from './registry-auth.js';

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/i;

/** The account, region and repository prefix of an ECR registry name (`<host>[/<prefix>]`); undefined for any other registry. */
export function parseEcrRegistry(registry: string): { account: string; region: string; prefix: string } | undefined {
  const [host, ...rest] = registry.replace(/\/+$/, '').split('/');
  const m = ECR_HOST.exec(host ?? '');
  return m ? { account: m[1]!, region: m[2]!, prefix: rest.join('/') } : undefined;
}

/** An ECR registry opened for pushing. */
export interface EcrRegistry {
  /** What images are tagged and pushed as: `<proxy endpoint host>[/<prefix>]`. */
  registry: string;
  /** The proxy endpoint speaks plain HTTP (a loopback registry in tests). */
  plainHttp: boolean;
  /** `AWS` and the authorization token's password, for `docker login`. */
  credentials: RegistryCredentials;
  /** DescribeImages: the repository holds `tag`. */
  imageExists(repository: string, tag: string): Promise<boolean>;
  /** CreateRepository unless it exists (IMMUTABLE tags, scan on push); true when it was created now. */
  ensureRepository(repository: string): Promise<boolean>;
}

/** Options of `openEcr`. */
export interface OpenEcrOptions {
  /** Endpoint of the ECR API. Default: the SDK's (`AWS_ENDPOINT_URL_ECR`, else the region's). */
  endpoint?: string;
  /** Default: the AWS default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const errorName = (error: unknown) => (error as { name?: string } | undefined)?.name;

/** Logs in to the ECR registry `registry` names (GetAuthorizationToken) and returns what a push needs. */
export async function openEcr(registry: string, options: OpenEcrOptions = {}): Promise<EcrRegistry> {
  const parsed = parseEcrRegistry(registry);
  if (!parsed) throw new ImagesError('Config', `${registry} is not an ECR registry (<account>.dkr.ecr.<region>.amazonaws.com)`);
  const sdk = await import('@aws-sdk/client-ecr');
  const client = new sdk.ECRClient({
    region: parsed.region,
    retryMode: 'adaptive',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  let token: { authorizationToken?: string; proxyEndpoint?: string } | undefined;
  try {
    const answer = await client.send(new sdk.GetAuthorizationTokenCommand({ registryIds: [parsed.account] }));
    token = answer.authorizationData?.[0];
  } catch (error) {
    throw new ImagesError(
      'RegistryAuth',
      `ECR refused an authorization token for ${registry}: ${errorName(error)}: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'give the identity ecr:GetAuthorizationToken and push rights on the repositories (credentials: the AWS default chain)',
      },
    );
  }
  const decoded = Buffer.from(token?.authorizationToken ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || !token?.proxyEndpoint) throw new ImagesError('Registry', `ECR returned no usable authorization token for ${registry}`);
  const proxy = new URL(token.proxyEndpoint);
  const repository = (name: string) => (parsed.prefix ? `${parsed.prefix}/${name}` : name);
  return {
    registry: [proxy.host, ...(parsed.prefix ? [parsed.prefix] : [])].join('/'),
    plainHttp: proxy.protocol === 'http:',
    credentials: { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) },
    async imageExists(name, tag) {
      try {
        const { imageDetails = [] } = await client.send(
          new sdk.DescribeImagesCommand({ registryId: parsed.account, repositoryName: repository(name), imageIds: [{ imageTag: tag }] }),
        );
        return imageDetails.length > 0;
      } catch (error) {
        if (['ImageNotFoundException', 'RepositoryNotFoundException'].includes(errorName(error) ?? '')) return false;
        throw new ImagesError('Registry', `ECR DescribeImages of ${repository(name)}:${tag} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
    async ensureRepository(name) {
      try {
        await client.send(
          new sdk.CreateRepositoryCommand({
            registryId: parsed.account,
            repositoryName: repository(name),
            imageTagMutability: 'IMMUTABLE',
            imageScanningConfiguration: { scanOnPush: true },
          }),
        );
        return true;
      } catch (error) {
        if (errorName(error) === 'RepositoryAlreadyExistsException') return false;
        throw new ImagesError('Registry', `ECR CreateRepository ${repository(name)} failed: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}
