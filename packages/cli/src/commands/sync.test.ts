// End-to-end: the built `mxn` binary syncing between a local folder, the S3 emulator and Azurite
// (behind the testkit's Put Block From URL shim, which stands in for the Blob service).
// Needs the CLI built (`npx turbo run build --filter=@mxn/cli...`).
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureBlobStore, readBytes, s3Store, type Store } from '@mxn/storage';
import { startEmulators, type EmulatorsHandle } from '@mxn/testkit';

const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('base64');
const files: Record<string, Buffer> = {
  'train.parquet': randomBytes(3 * 1024 * 1024 + 4321),
  'nested/test.parquet': randomBytes(70_000),
  'nested/deeper/notes.txt': Buffer.from('hello from mxn sync\n'),
  'empty.txt': Buffer.alloc(0),
};
const total = Object.values(files).reduce((sum, body) => sum + body.length, 0);

let emu: EmulatorsHandle;
let local: string;
let env: NodeJS.ProcessEnv;
/** Every stdout and stderr the CLI printed, checked for secrets at the end. */
const printed: string[] = [];

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sync(...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    // Asynchronous on purpose: the S3 server runs in this process and must keep answering.
    const child = execFile(process.execPath, [bin, 'sync', ...args], { env, maxBuffer: 16 * 1024 * 1024 }, (_error, stdout, stderr) => {
      printed.push(stdout, stderr);
      resolve({ code: child.exitCode, stdout, stderr });
    });
  });
}

const s3 = (prefix: string) =>
  s3Store({
    uri: `s3://mxn/${prefix}`,
    endpoint: emu.s3.endpoint,
    credentials: { accessKeyId: emu.s3.accessKeyId, secretAccessKey: emu.s3.secretAccessKey },
  });
const blob = (prefix: string) =>
  azureBlobStore({ uri: `az://devstoreaccount1/mxn/${prefix}`, connectionString: emu.blob.connectionString });

async function expectSameFiles(store: Store): Promise<void> {
  const keys: string[] = [];
  for await (const info of store.list()) keys.push(info.key);
  expect(keys.sort()).toEqual(Object.keys(files).sort());
  for (const [key, body] of Object.entries(files)) expect(md5(await readBytes(store, key)), key).toBe(md5(body));
}

beforeAll(async () => {
  emu = await startEmulators({ batch: false });
  const { BlobServiceClient } = await import('@azure/storage-blob');
  await BlobServiceClient.fromConnectionString(emu.blob.connectionString).getContainerClient('mxn').create();
  // The CLI finds the emulators only through the standard variables; the Node-version notice of the AWS SDK is not ours.
  env = { ...process.env, ...emu.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1' };
  local = await mkdtemp(path.join(tmpdir(), 'mxn-sync-'));
  for (const [key, body] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(local, 'data', key)), { recursive: true });
    await writeFile(path.join(local, 'data', key), body);
  }
});
afterAll(async () => {
  await emu?.stop();
  if (local) await rm(local, { recursive: true, force: true });
});

describe('mxn sync', () => {
  it('copies a local folder to S3, one progress line per file outside a terminal', async () => {
    const ran = await sync(`${path.join(local, 'data')}/`, 's3://mxn/data/', '--concurrency', '2');
    expect(ran.stderr).not.toMatch(/error/);
    expect(ran.code).toBe(0);
    for (const key of Object.keys(files)) expect(ran.stderr).toContain(`copied ${key} (`);
    expect(ran.stdout).toMatch(/4 copied \(4 streamed\), 0 identical skipped/);
    await expectSameFiles(await s3('data'));
  });

  it('copies S3 → Blob server-side: the Blob service (shim) pulls the bytes, the runner moves ≈ none', async () => {
    emu.blob.resetStats();
    const s3Before = emu.s3.traffic().bytesOut;
    const ran = await sync('s3://mxn/data/', 'az://devstoreaccount1/mxn/data/', '--json');
    expect(ran.code).toBe(0);
    const summary = JSON.parse(ran.stdout);
    expect(summary).toMatchObject({ ok: true, copied: 4, skipped: 0, failed: 0, serverSide: 4, streamed: 0, bytes: total });
    await expectSameFiles(await blob('data'));

    const stats = emu.blob.stats();
    expect(stats.bytesPulled).toBe(total); // the "service" fetched every byte itself
    const servedToRunner = emu.s3.traffic().bytesOut - s3Before - stats.bytesPulled; // listing, heads, headers
    expect(servedToRunner).toBeLessThan(64 * 1024);
    expect(stats.clientBytesIn).toBeLessThan(16 * 1024); // block lists, not data
  });

  it('copies Blob → S3 (streamed) and back to identical objects', async () => {
    const ran = await sync('az://devstoreaccount1/mxn/data/', 's3://mxn/back/');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/4 copied \(4 streamed\)/);
    await expectSameFiles(await s3('back'));
  });

  it('skips everything on a rerun, and --dry-run lists what would be copied without copying', async () => {
    emu.blob.resetStats();
    const rerun = await sync('s3://mxn/data/', 'az://devstoreaccount1/mxn/data/', '--json');
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ copied: 0, skipped: 4, bytes: 0 });
    expect(emu.blob.stats().bytesPulled).toBe(0);

    const changed = randomBytes(1000);
    await (await s3('data')).write('nested/test.parquet', changed);
    const dry = await sync('s3://mxn/data/', 'az://devstoreaccount1/mxn/data/', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would copy nested/test.parquet (1000 B, server-side)');
    expect(dry.stdout.match(/^would skip /gm)).toHaveLength(3);
    expect(dry.stdout).toMatch(/dry run: 1 to copy .*3 identical to skip; nothing was copied/);
    expect(md5(await readBytes(await blob('data'), 'nested/test.parquet'))).toBe(md5(files['nested/test.parquet']!));
    await (await s3('data')).write('nested/test.parquet', files['nested/test.parquet']!);
  });

  it('copies one object to a named destination', async () => {
    const ran = await sync('az://devstoreaccount1/mxn/data/nested/deeper/notes.txt', path.join(local, 'out', 'copy.txt'));
    expect(ran.code).toBe(0);
    expect(ran.stderr).toContain('copied copy.txt (20 B, stream)');
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(path.join(local, 'out', 'copy.txt'))).toString()).toBe('hello from mxn sync\n');
  });

  it('exits 2 with one line for a bad URI or bad usage', async () => {
    for (const args of [
      ['gs://bucket/data/', 's3://mxn/x/'],
      ['s3://mxn/data/', 'az://devstoreaccount1'],
      ['s3://', './x'],
    ]) {
      const ran = await sync(...args);
      expect(ran.code, args.join(' ')).toBe(2);
      expect(ran.stderr.trim().split('\n'), ran.stderr).toHaveLength(1);
      expect(ran.stderr).toMatch(/^error mxn sync: .*(storage driver|not an (S3|Azure Blob) URI)/);
    }
    const usage = await sync('s3://mxn/data/');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/expected <source> <destination>, got 1 argument/);
    expect((await sync('a/', 'b/', '--concurrency', 'many')).code).toBe(2);
  });

  it('exits 2 for a source that does not exist, as mxn run does for a missing object (one mapping for every command)', async () => {
    for (const source of ['s3://mxn/data/no-such.parquet', path.join(local, 'no-such-folder', 'train.parquet')]) {
      for (const extra of [[], ['--dry-run'], ['--json']]) {
        const ran = await sync(source, path.join(local, 'out', 'never.parquet'), ...extra);
        expect(ran.code, `${source} ${extra.join(' ')}`).toBe(2);
        expect(ran.stderr, ran.stderr).toMatch(
          new RegExp(
            /^error mxn sync: \S*no-such\S* does not exist \(no object, and no objects under it\)\n/.source +
              /hint: check the source; a prefix that may be empty ends with "\/"\n$/.source,
          ),
        );
      }
    }
  });

  it('exits 1 when objects fail, with one line naming how many and the first cause', async () => {
    // A bucket that does not exist: every write fails (a missing Blob container would be created).
    const ran = await sync('s3://mxn/data/', 's3://no-such-bucket/data/', '--concurrency', '1');
    expect(ran.code).toBe(1);
    const errors = ran.stderr.split('\n').filter((line) => line.startsWith('error '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error mxn sync: 4 of 4 objects failed .*first: [^:]+: .*(NoSuchBucket|does not exist)/);
  });

  it('never prints a secret', () => {
    const secrets = [emu.azurite.accountKey, emu.s3.secretAccessKey, 'sig=', 'X-Amz-Signature', 'X-Amz-Credential', 'AccountKey='];
    const all = printed.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    for (const secret of secrets) expect(all).not.toContain(secret);
  });
});
