import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskSpec } from '@mxn/core';
import { manifestText, pendingManifest } from './aggregate-inputs.js';
import { imageForBuild, jobIdFor } from './ids.js';
import { shellQuote } from './shell.js';
import { chunkTasks } from './submit-tasks.js';
import { aggregateTaskBody, cellTaskBody, commonFolder, isoDuration, type TaskBodySettings } from './task-bodies.js';

const run = promisify(execFile);
const sas = { readUrl: 'https://a.blob/c?sp=rl', writeUrl: 'https://a.blob/c?sp=cw', blobName: (key: string) => `root/${key}` };
const settings: TaskBodySettings = { sas, image: 'img:1', workingDirectory: 'containerImageDefault', retries: 2, timeoutMs: 90_000 };
const task = (id: string, command: string[], kind: TaskSpec['kind'] = 'cell'): TaskSpec => ({
  id,
  kind,
  model: 'm',
  dataset: 'd',
  command,
  env: { MXN_CELL_ID: id },
  inputPrefix: `in/${id}`,
  outputPrefix: `out/${id}`,
});

/** Runs a task body's commandLine (`/bin/sh -c '…'`); an outer shell splits it with the same quoting rules. */
async function runCommandLine(commandLine: string, workDir: string) {
  return run('/bin/sh', ['-c', commandLine], { env: { PATH: process.env.PATH, AZ_BATCH_TASK_WORKING_DIR: workDir } }).then(
    () => 0,
    (error: { code: number }) => error.code,
  );
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'abb-bodies-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('task bodies', () => {
  it("passes every variable of the task's env to the task as is: the model's env: settings, MXN_PARAMS with its literals", () => {
    const env = { MXN_CELL_ID: 'c', MXN_PARAMS: '{"max_features":1.0,"n":1}', OMP_NUM_THREADS: '1' };
    const body = cellTaskBody(1, { ...task('c', ['python', 'train.py']), env }, settings, []);
    expect(body.environmentSettings).toEqual(Object.entries(env).map(([name, value]) => ({ name, value })));
  });

  it('runs the command through /bin/sh with absolute protocol folders, any quoting intact, recording the exit code', async () => {
    const script =
      `const fs=require('fs');fs.writeFileSync(process.env.MXN_OUTPUT_DIR+"/seen.json",` +
      `JSON.stringify({in:process.env.MXN_INPUT_DIR,arg:process.argv[1]}));process.exit(5)`;
    const inputs = [{ httpUrl: 'https://a.blob/c/root/in/c/train.parquet?sp=r', filePath: 'in/train.parquet' }];
    const body = cellTaskBody(7, task('c', [process.execPath, '-e', script, `it's "quoted" $HOME`]), settings, inputs);
    expect(body).toMatchObject({
      id: '7',
      displayName: 'c',
      constraints: { maxTaskRetryCount: 2, maxWallClockTime: 'PT90S' },
    });
    // Only the task's own folder is mounted into the container, not the node's whole AZ_BATCH_NODE_ROOT_DIR.
    expect(body.containerSettings).toEqual({
      imageName: 'img:1',
      workingDirectory: 'containerImageDefault',
      containerHostBatchBindMounts: [{ source: 'Task', isReadOnly: false }],
    });
    // Exactly the cell's own input blobs, each by its own URL: no container URL reaches a cell.
    expect(body.resourceFiles).toEqual(inputs);
    expect(JSON.stringify(body)).not.toContain(sas.readUrl);
    expect(body.outputFiles?.map((f) => [f.filePattern, f.destination.container?.path, f.uploadOptions.uploadCondition])).toEqual([
      ['out/**/*', 'root/out/c', 'taskcompletion'],
      ['../stdout.txt', 'root/out/c/stdout.txt', 'taskcompletion'],
      ['../stderr.txt', 'root/out/c/stderr.txt', 'taskcompletion'],
      ['exit_code', 'root/out/c.exit_code', 'taskcompletion'],
    ]);
    expect(body.exitConditions?.default?.dependencyAction).toBe('satisfy');
    const work = path.join(dir, 'cell');
    expect(await runCommandLine(body.commandLine, work)).toBe(5);
    expect(JSON.parse(await readFile(path.join(work, 'out/seen.json'), 'utf8'))).toEqual({
      in: path.join(work, 'in'),
      arg: `it's "quoted" $HOME`,
    });
    expect((await readFile(path.join(work, 'exit_code'), 'utf8')).trim()).toBe('5');
  });

  it("lays out the aggregate's cells/<id>/ and resolves pending statuses from their exit codes", async () => {
    const spec = {
      runId: 'r',
      experiment: 'e',
      stagingUri: 'az://a/c/root',
      target: 'y',
      limits: { concurrency: 1, retries: 0, timeoutMs: 0 },
      tasks: [task('ok', ['x']), task('bad', ['x']), task('lost', ['x'])],
      cached: [{ id: 'old', model: 'm', dataset: 'd', outputPrefix: 'out/old' }],
      aggregate: task('aggregate', ['true'], 'aggregate'),
    };
    const body = aggregateTaskBody(spec.aggregate, 3, ['out/ok', 'out/bad', 'out/lost', 'out/old'], { ...settings, timeoutMs: 0 });
    expect(body.dependsOn).toEqual({ taskIdRanges: [{ start: 1, end: 3 }] });
    expect(body.containerSettings?.containerHostBatchBindMounts).toEqual([{ source: 'Task', isReadOnly: false }]);
    expect(body.constraints?.maxWallClockTime).toBeUndefined();
    // What the node would have downloaded:
    const work = path.join(dir, 'agg');
    const put = async (rel: string, text: string) => {
      await mkdir(path.dirname(path.join(work, rel)), { recursive: true });
      await writeFile(path.join(work, rel), text);
    };
    await put('in/root/in/aggregate/manifest.json', manifestText(pendingManifest(spec)));
    await put('meta/root/in/aggregate.cells.tsv', ['ok', 'bad', 'lost', 'old'].map((id) => `${id}\troot/out/${id}\n`).join(''));
    await put('dl/root/out/ok/predictions.parquet', 'P');
    await put('dl/root/out/ok.exit_code', '0\n');
    await put('dl/root/out/bad/stderr.txt', 'E');
    await put('dl/root/out/bad.exit_code', '2\n');
    await put('dl/root/out/old/predictions.parquet', 'C');
    expect(await runCommandLine(body.commandLine, work)).toBe(0);
    const input = path.join(work, 'in/root/in/aggregate');
    const manifest = JSON.parse(await readFile(path.join(input, 'manifest.json'), 'utf8'));
    expect(Object.fromEntries(manifest.cells.map((c: { id: string; status: string }) => [c.id, c.status]))).toEqual({
      ok: 'succeeded',
      bad: 'failed',
      lost: 'failed',
      old: 'cached',
    });
    expect(await readFile(path.join(input, 'cells/ok/predictions.parquet'), 'utf8')).toBe('P');
    expect(await readFile(path.join(input, 'cells/old/predictions.parquet'), 'utf8')).toBe('C');
    expect((await readFile(path.join(input, 'cells/bad/exit_code'), 'utf8')).trim()).toBe('2');
  });

  it('switches the aggregate to one shared download prefix when per-cell resource files would be too large', () => {
    const prefixes = Array.from({ length: 10_000 }, (_, i) => `runs/x/cells/${i}/output`);
    const body = aggregateTaskBody(task('aggregate', ['x'], 'aggregate'), 10_000, prefixes, settings);
    expect(body.resourceFiles?.at(-1)).toEqual({ storageContainerUrl: sas.readUrl, blobPrefix: 'root/runs/x/cells/', filePath: 'dl' });
    expect(JSON.stringify(body).length).toBeLessThan(100_000);
    expect(commonFolder(['a/b/c', 'a/b/d/e'])).toBe('a/b/');
  });

  it('chunks tasks by count (≤ 100) and by size (< 1 MiB)', () => {
    const small = Array.from({ length: 250 }, (_, i) => cellTaskBody(i + 1, task(`c${i}`, ['x']), settings));
    expect(chunkTasks(small).map((c) => c.length)).toEqual([100, 100, 50]);
    const big = Array.from({ length: 30 }, (_, i) => cellTaskBody(i + 1, task(`c${i}`, ['x', 'y'.repeat(100_000)]), settings));
    const chunks = chunkTasks(big);
    expect(chunks.length).toBe(3);
    for (const chunk of chunks) expect(Buffer.byteLength(JSON.stringify({ value: chunk }))).toBeLessThan(1024 * 1024);
  });

  it('makes valid Batch ids and image names', () => {
    expect(jobIdFor('housing-demo-1a2b')).toBe('mxn-housing-demo-1a2b');
    const long = jobIdFor(`a.b/${'x'.repeat(100)}`);
    expect(long).toMatch(/^[a-zA-Z0-9_-]{64}$/);
    expect(jobIdFor(`a.b/${'x'.repeat(100)}`)).toBe(long);
    expect(jobIdFor(`a.b/${'x'.repeat(101)}`)).not.toBe(long);
    expect(imageForBuild('Ridge', 'abcdef0123456789', 'myacr.azurecr.io/')).toBe('myacr.azurecr.io/ridge:abcdef012345');
    expect(isoDuration(1500)).toBe('PT1.5S');
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});
