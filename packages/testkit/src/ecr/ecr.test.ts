// The loopback ECR service through the real @aws-sdk/client-ecr, over a real docker-registry for the image bytes.
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOOPBACK_AWS_CREDENTIALS } from '../aws-batch/service.js';
import { pushTestImage, skipWithoutRegistry, startRegistry, type RegistryHandle } from '../registry/registry.js';
import { ecrSpecFacts, startEcrService, type EcrService } from './service.js';

describe.skipIf(skipWithoutRegistry())('loopback ECR service', () => {
  let registry: RegistryHandle;
  let ecr: EcrService;
  let client: ECRClient;

  beforeAll(async () => {
    registry = await startRegistry();
    ecr = await startEcrService({ registryUrl: registry.url, region: 'eu-west-1' });
    client = new ECRClient({ endpoint: ecr.url, region: 'eu-west-1', credentials: LOOPBACK_AWS_CREDENTIALS });
  });

  afterAll(async () => {
    client?.destroy();
    await ecr?.stop();
    await registry?.stop();
  });

  it('creates a repository once, describes it, and refuses a second one', async () => {
    const { repository } = await client.send(
      new CreateRepositoryCommand({
        repositoryName: 'mxn/ridge',
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
      }),
    );
    expect(repository).toMatchObject({
      repositoryName: 'mxn/ridge',
      repositoryUri: `${registry.host}/mxn/ridge`,
      imageTagMutability: 'IMMUTABLE',
    });
    expect(repository?.imageScanningConfiguration?.scanOnPush).toBe(true);
    expect(repository?.createdAt).toBeInstanceOf(Date);
    await expect(client.send(new CreateRepositoryCommand({ repositoryName: 'mxn/ridge' }))).rejects.toMatchObject({
      name: 'RepositoryAlreadyExistsException',
    });
    const { repositories } = await client.send(new DescribeRepositoriesCommand({ repositoryNames: ['mxn/ridge'] }));
    expect(repositories?.map((r) => r.repositoryName)).toEqual(['mxn/ridge']);
    await expect(client.send(new DescribeRepositoriesCommand({ repositoryNames: ['mxn/none'] }))).rejects.toMatchObject({
      name: 'RepositoryNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('finds a tag pushed to the registry, and answers ImageNotFoundException for one that is not there', async () => {
    await client.send(new CreateRepositoryCommand({ repositoryName: 'mxn/forest' }));
    const digest = await pushTestImage(registry.url, 'mxn/forest', 'abc123');
    const { imageDetails } = await client.send(
      new DescribeImagesCommand({ repositoryName: 'mxn/forest', imageIds: [{ imageTag: 'abc123' }] }),
    );
    expect(imageDetails?.[0]).toMatchObject({ imageDigest: digest, imageTags: ['abc123'], repositoryName: 'mxn/forest' });
    await expect(
      client.send(new DescribeImagesCommand({ repositoryName: 'mxn/forest', imageIds: [{ imageTag: 'missing' }] })),
    ).rejects.toMatchObject({ name: 'ImageNotFoundException', message: /imageTag:'missing'/ });
    // The secrets check: the signing key travelled in no request; a value that did is named with where it was.
    ecr.assertNoSecrets();
    expect(() => ecr.assertNoSecrets(['mxn/forest'])).toThrow(/^loopback ECR: secrets reached the service: request \w+ body \(mxn\/…\)/);
  });

  it('hands out a token that logs in to the registry, checks signatures, and validates names', async () => {
    const { authorizationData } = await client.send(new GetAuthorizationTokenCommand({}));
    const token = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString();
    expect(token).toBe(`AWS:${ecr.password}`);
    expect(authorizationData![0]!.proxyEndpoint).toBe(registry.url);
    const bad = new ECRClient({
      endpoint: ecr.url,
      region: 'eu-west-1',
      credentials: { ...LOOPBACK_AWS_CREDENTIALS, secretAccessKey: 'nope' },
    });
    await expect(bad.send(new GetAuthorizationTokenCommand({}))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
    bad.destroy();
    await expect(client.send(new CreateRepositoryCommand({ repositoryName: 'Upper/Case' }))).rejects.toMatchObject({
      // The error CreateRepository's description lists for bad input (its `errors`: no ValidationException).
      name: 'InvalidParameterException',
      message: /repositoryName.*pattern/,
    });
    await expect(
      client.send(new CreateRepositoryCommand({ repositoryName: 'mxn/x', imageTagMutability: 'SOMETIMES' as 'MUTABLE' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException', message: /enum value set/ });
    expect(ecrSpecFacts.operations.CreateRepository?.errors).toContain('InvalidParameterException');
    // Each operation answers bad input with the error its own description lists.
    for (const op of ['CreateRepository', 'DescribeImages', 'DescribeRepositories', 'GetAuthorizationToken']) {
      expect(ecrSpecFacts.operations[op]?.errors).toContain('InvalidParameterException');
    }
    await expect(client.send(new DescribeImagesCommand({ repositoryName: 'mxn/forest', maxResults: 0 }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: /maxResults/,
    });
    await expect(
      client.send(new GetAuthorizationTokenCommand({ registryIds: Array.from({ length: 11 }, () => ecr.accountId) })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });
});
