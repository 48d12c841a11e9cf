// The aws-batch backend with temporary credentials (AWS_SESSION_TOKEN set, as the GitHub OIDC path gives), from the
// SDK's default chain, against the loopback AWS Batch service (which checks the token with the signature) and the S3
// emulator (s3rver: it checks only that the access key id exists; it ignores the v4 signature and the token). The secret
// key reaches nothing; the session token travels only as SigV4's x-amz-security-token header of the Batch call it
// authenticates and as the X-Amz-Security-Token query parameter of presigned URLs (useless without the secret key).
import { tmpdir } from 'node:os';
import { BatchClient, SubmitJobCommand } from '@aws-sdk/client-batch';
import { startS3, type S3Handle } from '@mxn/emulators';
import { joinKey, listAll, readText, s3Store, type Store } from '@mxn/storage';
import { startAwsBatchService, type AwsBatchService } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsBatchBackend } from './aws-batch-backend.js';
import { CONTRACT_IMAGE } from '../test-support/loopback.js';
import { testSpec, withShellCells } from '../test-support/specs.js';

// Characters a URL must encode (+ / =), so both the raw and the encoded forms are looked for.
const SECRET = 'tmpSecret/Key+ForTheLoopbackOnly=0123456789abcdef';
const TOKEN = 'IQoJb3JpZ2luX2VjEOIDC/session+token/ForTheLoopbackOnly0123456789==';
const VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_PROFILE'] as const;

let s3: S3Handle;
let batch: AwsBatchService;
const saved = new Map<string, string | undefined>();

beforeAll(async () => {
  s3 = await startS3();
  for (const name of VARS) saved.set(name, process.env[name]);
  // The default chain's environment source: temporary credentials. s3rver knows only its own access key id.
  process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = SECRET;
  process.env.AWS_SESSION_TOKEN = TOKEN;
  process.env.AWS_REGION = s3.region;
  delete process.env.AWS_PROFILE;
  batch = await startAwsBatchService({
    runtime: 'process',
    region: s3.region,
    credentials: [{ accessKeyId: s3.accessKeyId, secretAccessKey: SECRET, sessionToken: TOKEN }],
    images: { [CONTRACT_IMAGE]: { cwd: tmpdir() } },
    tickMs: 10,
  });
}, 60_000);
afterAll(async () => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await batch?.stop();
  await s3?.stop();
});

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Occurrences of the token in `text` once every presigned URL's `X-Amz-Security-Token=<token>` is taken out. */
const tokenOutsideUrls = (text: string): boolean =>
  text
    .replace(/([?&]X-Amz-Security-Token=)([^&\s"'\\]*)/g, (whole, name: string, value: string) =>
      decodeURIComponent(value) === TOKEN ? `${name}…` : whole,
    )
    .match(new RegExp(`${escapeRegExp(TOKEN)}|${escapeRegExp(encodeURIComponent(TOKEN))}`)) !== null;
const hasSecret = (text: string) => text.includes(SECRET) || text.includes(encodeURIComponent(SECRET));

describe('aws-batch backend with session credentials (AWS_SESSION_TOKEN)', { timeout: 90_000 }, () => {
  it('runs a matrix; the secret key reaches nothing, the token only SigV4 and presigned URLs', async () => {
    // No credentials and no region given: the SDK's default chain and AWS_REGION, as on a GitHub runner after OIDC.
    const openStore = (uri: string): Promise<Store> => s3Store({ uri, endpoint: s3.endpoint });
    const uri = `s3://${s3.buckets[0]}/session`;
    const store = await openStore(uri);
    const spec = withShellCells(testSpec(uri, [{ id: 'm1-d1' }, { id: 'm2-d2' }]));
    for (const [i, task] of spec.tasks.entries()) await store.write(joinKey(task.inputPrefix, 'x.txt'), String(10 * (i + 1)));
    const backend = awsBatchBackend({ endpoint: batch.url, queue: batch.queueName, openStore, pollIntervalMs: 50 });
    const outcome = await backend.run(spec);
    expect(outcome.tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded']);
    expect(outcome.aggregate?.status).toBe('succeeded');
    const summary = JSON.parse(await readText(store, joinKey(spec.aggregate!.outputPrefix, 'summary.json'))) as {
      ys: Record<string, string>;
    };
    expect(summary.ys).toEqual({ 'm1-d1': '11', 'm2-d2': '21' });

    // The fake's own rule (assertNoSecrets): nothing found in request bodies, headers, URLs or job environments.
    expect(batch.secretLeaks()).toEqual([]);

    // Requests: the secret nowhere; the token only as SigV4's x-amz-security-token header (every call carries it,
    // the fake refuses a call without it) and, in bodies, only inside presigned URLs.
    expect(batch.requests.length).toBeGreaterThan(0);
    for (const request of batch.requests) {
      expect(request.headers['x-amz-security-token'], request.operation).toBe(TOKEN);
      for (const [name, value] of Object.entries(request.headers)) {
        expect(hasSecret(value), `${request.operation} header ${name}`).toBe(false);
        if (name !== 'x-amz-security-token') expect(tokenOutsideUrls(value), `${request.operation} header ${name}`).toBe(false);
      }
      expect(hasSecret(request.url) || tokenOutsideUrls(request.url), request.url).toBe(false);
      expect(hasSecret(request.body), `${request.operation} body`).toBe(false);
      expect(tokenOutsideUrls(request.body), `${request.operation} body`).toBe(false);
    }
    // Job environments: no secret, no token as a variable or outside a URL; the presigned URLs do carry the token.
    // Two children of the array job and the aggregate.
    expect(batch.environments.length).toBeGreaterThanOrEqual(3);
    for (const { jobId, env } of batch.environments) {
      expect(
        Object.keys(env).filter((name) => /^AWS_(SECRET_ACCESS_KEY|SESSION_TOKEN|ACCESS_KEY_ID)$/.test(name)),
        jobId,
      ).toEqual([]);
      for (const [name, value] of Object.entries(env)) {
        expect(hasSecret(value) || tokenOutsideUrls(value), `${jobId} ${name}`).toBe(false);
      }
      const records = new URL(env.MXN_RECORDS_URL!);
      expect(records.searchParams.get('X-Amz-Security-Token'), jobId).toBe(TOKEN);
    }
    // What the tasks read from staging (records, cell lists, manifest): presigned URLs, each with the token as its
    // X-Amz-Security-Token, and the secret nowhere.
    const staged = await listAll(store, `runs/${spec.runId}/`);
    const texts = await Promise.all(
      staged.filter((o) => /\.(records|tsv|json)$/.test(o.key) && !o.key.includes('/output/')).map((o) => readText(store, o.key)),
    );
    const urls = texts.flatMap((text) => [...text.matchAll(/https?:\/\/[^\s'"]+/g)].map((m) => new URL(m[0])));
    expect(urls.length).toBeGreaterThan(4);
    for (const url of urls) expect(url.searchParams.get('X-Amz-Security-Token')).toBe(TOKEN);
    for (const text of texts) expect(hasSecret(text) || tokenOutsideUrls(text)).toBe(false);
  });

  it('the fake flags a token outside a presigned URL, and the secret key anywhere', async () => {
    const before = batch.requests.length;
    const client = new BatchClient({ endpoint: batch.url });
    try {
      const url = `${s3.endpoint}/mxn/x?X-Amz-Security-Token=${encodeURIComponent(TOKEN)}&X-Amz-Signature=00`;
      const { jobId } = await client.send(
        new SubmitJobCommand({
          jobName: 'leaky',
          jobQueue: batch.queueName!,
          jobDefinition: batch.store.jobDefinitions[0]!.jobDefinitionArn,
          containerOverrides: {
            environment: [
              { name: 'FINE_URL', value: url },
              { name: 'TOKEN_COPY', value: TOKEN },
              { name: 'KEY_COPY', value: encodeURIComponent(SECRET) },
            ],
          },
        }),
      );
      await batch.waitFor(jobId!, 30_000);
    } finally {
      client.destroy();
    }
    const leaks = batch.secretLeaks().map((leak) => leak.where);
    expect(leaks.filter((where) => where.includes('FINE_URL'))).toEqual([]);
    expect(leaks.some((where) => where.endsWith(': TOKEN_COPY'))).toBe(true);
    expect(leaks.some((where) => where.endsWith(': KEY_COPY'))).toBe(true);
    expect(leaks.filter((where) => where.startsWith('request SubmitJob body'))).toEqual([
      'request SubmitJob body',
      'request SubmitJob body',
    ]);
    expect(() => batch.assertNoSecrets()).toThrow(/TOKEN_COPY/);
    expect(batch.requests.length).toBeGreaterThan(before);
  });
});
