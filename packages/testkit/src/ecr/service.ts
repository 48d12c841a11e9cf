/**
 * `startEcrService()`: a loopback Amazon ECR API (JSON 1.1, `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Op>`)
 * for the operations mxn uses: GetAuthorizationToken, DescribeImages, CreateRepository, DescribeRepositories.
 * Image bytes live in a real registry (the tests' `docker-registry`); DescribeImages asks it for the tag.
 */
import { AwsServiceError } from '../aws/errors.js';
import { loadFacts, type AwsSpecFacts } from '../aws/facts.js';
import { startAwsHttp, type AwsHandler, type AwsRecordedRequest } from '../aws/http-service.js';
import { AwsInjector, type AwsInjection, type AwsInjectionHandle } from '../aws/inject.js';
import { recordedLeaks, throwOnLeaks } from '../aws/secrets.js';
import type { AwsCredentials } from '../aws/sigv4.js';
import { LOOPBACK_AWS_CREDENTIALS } from '../aws-batch/service.js';

/** The facts the loopback ECR service validates against (derived from the 2015-09-21 description). */
export const ecrSpecFacts: AwsSpecFacts = loadFacts(import.meta.url, 'ecr');

export interface EcrServiceOptions {
  /** Credentials the signature check accepts. Default `[LOOPBACK_AWS_CREDENTIALS]`. */
  credentials?: readonly AwsCredentials[];
  /** Default `AWS_REGION`, else `us-east-1`. */
  region?: string;
  /** The registry id (account). Default `123456789012`. */
  accountId?: string;
  port?: number;
  /**
   * The registry that holds the images (`http://127.0.0.1:PORT`, e.g. `startRegistry().url`): repository URIs and the
   * authorization token's proxy endpoint name it, and DescribeImages asks it for tags. Without one, images are what
   * `addImage` recorded.
   */
  registryUrl?: string;
  /** The password `GetAuthorizationToken` hands out (as base64 `AWS:<password>`). Default `loopback-ecr-password`. */
  password?: string;
  clock?: () => Date;
}

export interface EcrRepository {
  repositoryName: string;
  repositoryArn: string;
  registryId: string;
  repositoryUri: string;
  createdAt: number;
  imageTagMutability: string;
  imageScanningConfiguration: { scanOnPush: boolean };
  encryptionConfiguration: { encryptionType: string };
}

export interface EcrService {
  /** `http://127.0.0.1:PORT`: `AWS_ENDPOINT_URL_ECR`. */
  url: string;
  region: string;
  accountId: string;
  password: string;
  repositories: Map<string, EcrRepository>;
  calls: Record<string, number>;
  requests: AwsRecordedRequest[];
  /** Throws, naming where, when a request (body, headers, URL) carries a secret key, or a session token outside SigV4's header. */
  assertNoSecrets(extra?: readonly string[]): void;
  /** Records an image tag without a registry (`registryUrl` unset). */
  addImage(repositoryName: string, tag: string, digest: string): void;
  inject(injection: AwsInjection): AwsInjectionHandle;
  clearInjections(): void;
  stop(): Promise<void>;
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/** Starts the loopback ECR service on 127.0.0.1. */
export async function startEcrService(options: EcrServiceOptions = {}): Promise<EcrService> {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const clock = options.clock ?? (() => new Date());
  const password = options.password ?? 'loopback-ecr-password';
  const credentials = options.credentials ?? [LOOPBACK_AWS_CREDENTIALS];
  const registryHost = options.registryUrl ? new URL(options.registryUrl).host : `${accountId}.dkr.ecr.${region}.amazonaws.com`;
  const repositories = new Map<string, EcrRepository>();
  const images = new Map<string, { digest: string; pushedAt: number }>();
  const injector = new AwsInjector();

  const repository = (input: Record<string, unknown>): EcrRepository => {
    const name = String(input.repositoryName);
    const repo = repositories.get(name);
    if (!repo) {
      throw new AwsServiceError(
        'RepositoryNotFoundException',
        `The repository with name '${name}' does not exist in the registry with id '${String(input.registryId ?? accountId)}'`,
      );
    }
    return repo;
  };

  /** The digest of `name:tag`, asked of the registry (HEAD on the manifest) or of what `addImage` recorded. */
  const findTag = async (name: string, tag: string): Promise<{ digest: string; pushedAt: number } | undefined> => {
    if (!options.registryUrl) return images.get(`${name}:${tag}`);
    const response = await fetch(`${options.registryUrl}/v2/${name}/manifests/${encodeURIComponent(tag)}`, {
      method: 'HEAD',
      headers: { accept: MANIFEST_TYPES },
    });
    const digest = response.headers.get('docker-content-digest');
    return response.ok && digest ? { digest, pushedAt: clock().getTime() } : undefined;
  };

  const handlers: Record<string, AwsHandler> = {
    GetAuthorizationToken: () => ({
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
          expiresAt: (clock().getTime() + 12 * 3600_000) / 1000,
          proxyEndpoint: options.registryUrl ?? `https://${registryHost}`,
        },
      ],
    }),
    CreateRepository: (input) => {
      const name = String(input.repositoryName);
      if (repositories.has(name)) {
        throw new AwsServiceError(
          'RepositoryAlreadyExistsException',
          `The repository with name '${name}' already exists in the registry with id '${accountId}'`,
        );
      }
      const repo: EcrRepository = {
        repositoryName: name,
        repositoryArn: `arn:aws:ecr:${region}:${accountId}:repository/${name}`,
        registryId: accountId,
        repositoryUri: `${registryHost}/${name}`,
        createdAt: clock().getTime() / 1000,
        imageTagMutability: String(input.imageTagMutability ?? 'MUTABLE'),
        imageScanningConfiguration: { scanOnPush: Boolean((input.imageScanningConfiguration as { scanOnPush?: boolean })?.scanOnPush) },
        encryptionConfiguration: { encryptionType: 'AES256' },
      };
      repositories.set(name, repo);
      return { repository: repo };
    },
    DescribeRepositories: (input) => {
      const names = input.repositoryNames as string[] | undefined;
      return {
        repositories: names
          ? names.map((name) => repository({ repositoryName: name, registryId: input.registryId }))
          : [...repositories.values()],
      };
    },
    DescribeImages: async (input) => {
      const repo = repository(input);
      const ids = (input.imageIds as { imageTag?: string; imageDigest?: string }[] | undefined) ?? [];
      const details = [];
      for (const id of ids) {
        const found = id.imageTag ? await findTag(repo.repositoryName, id.imageTag) : undefined;
        if (!found) {
          throw new AwsServiceError(
            'ImageNotFoundException',
            `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist ` +
              `within the repository with name '${repo.repositoryName}' in the registry with id '${accountId}'`,
          );
        }
        details.push({
          registryId: accountId,
          repositoryName: repo.repositoryName,
          imageDigest: found.digest,
          imageTags: [id.imageTag],
          imagePushedAt: found.pushedAt / 1000,
          imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        });
      }
      return { imageDetails: details };
    },
  };

  const http = await startAwsHttp({
    facts: ecrSpecFacts,
    handlers,
    credentials: () => credentials,
    clock,
    region,
    injector,
    port: options.port,
  });
  return {
    url: http.url,
    region,
    accountId,
    password,
    repositories,
    calls: http.calls,
    requests: http.requests,
    assertNoSecrets: (extra = []) => throwOnLeaks('loopback ECR', recordedLeaks(credentials, extra, http.requests)),
    addImage(repositoryName, tag, digest) {
      images.set(`${repositoryName}:${tag}`, { digest, pushedAt: clock().getTime() });
    },
    inject: (i) => injector.add(i),
    clearInjections: () => injector.clear(),
    stop: () => http.stop(),
  };
}
