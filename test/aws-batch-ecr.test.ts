// `mxn build --push --registry <account>.dkr.ecr.<region>.amazonaws.com/<prefix>`: mxn logs in through the ECR API
// (GetAuthorizationToken), makes a new model's repository (IMMUTABLE tags, scan on push), pushes the image bytes to
// the registry the token names (the real docker-registry of the tests), and on the next build finds the content tag
// with DescribeImages and pushes nothing.
import { describe, expect, it } from 'vitest';
import { skipWithoutDocker, skipWithoutRegistry } from '@mxn/testkit';
import { useRegistryProject } from './support/registry-project.js';

describe.skipIf(skipWithoutDocker() || skipWithoutRegistry())('mxn build --push to ECR (loopback ECR API + docker-registry)', () => {
  const setup = useRegistryProject((registry) => ({ batch: false, awsBatch: false, ecr: { registryUrl: registry.url } }));

  it('creates the repository, pushes once, and skips an image whose content tag ECR has', { timeout: 300_000 }, async () => {
    const { project, registry, emulators } = setup;
    await project.model('tiny', "console.log('tiny');\n");
    await project.experiment(
      'ecr',
      `name: ecr
datasets:
  - { name: seoul, train: data/housing/seoul.parquet }
models:
  - { name: tiny, build: models/tiny, command: [node, train.js] }
evaluation: { target: price, metrics: [rmse] }
compute: { backend: aws-batch }
`,
    );
    const ecr = emulators.ecr!;
    const ecrRegistry = `${ecr.accountId}.dkr.ecr.${ecr.region}.amazonaws.com/mxn`;
    const env = { ...emulators.env, MXN_BUILD_NETWORK: 'host' };
    const build = await project.mxn(['build', 'experiments/ecr.yaml', '--push', '--registry', ecrRegistry], { env });
    expect(build.code, `${build.stdout}\n${build.stderr}`).toBe(0);
    expect(build.stdout).toMatch(new RegExp(`^${registry.host.replace(/[.]/g, '\\.')}/mxn/tiny:[0-9a-f]{12}\\b.*\\bpushed\\b`, 'm'));
    expect(ecr.calls.GetAuthorizationToken).toBe(1);
    expect(ecr.calls.CreateRepository).toBe(1);
    expect(ecr.repositories.get('mxn/tiny')).toMatchObject({
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
    });

    const again = await project.mxn(['build', 'experiments/ecr.yaml', '--push', '--registry', ecrRegistry], { env });
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout).toMatch(/\/mxn\/tiny:[0-9a-f]{12} .*\breused$/m);
    expect(again.stdout).toMatch(/\bpushed 0\b/);
    expect(ecr.calls.DescribeImages).toBe(2);
    expect(ecr.calls.CreateRepository).toBe(1);
    // The ECR API was signed with the default chain's key, and no request carried the secret.
    expect(ecr.requests.filter((request) => request.body.includes(emulators.env.AWS_SECRET_ACCESS_KEY!))).toEqual([]);
    // Nor its headers or URLs (the fake's rule: aws/secrets.ts).
    ecr.assertNoSecrets([emulators.env.AWS_SECRET_ACCESS_KEY!]);
  });
});
