// A pull request's experiment file may name only the stores the repository allows: it cannot point
// the job's cloud identity at another bucket or container, to read or to write.
import { mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExperimentError } from '@mxn/core';
import { describe, expect, it, vi } from 'vitest';
import { loadForBuild } from './build.js';
import { loadExperiment } from './experiment-schema.js';
import { openExperiment } from './experiment-session.js';
import { allowedLocations, checkLocations, checkStateFolder } from './location-policy.js';

const file = (compute: string, extra = '') => `name: where
datasets:
  - { name: a, train: data/a.parquet }
  - { name: b, train: s3://team-data/housing/b.parquet }
models:
  - { name: m, image: example.org/m:1, command: [x] }
evaluation: { target: y }
compute: { ${compute} }
${extra}`;

async function project(text: string) {
  const root = await mkdtemp(path.join(tmpdir(), 'mxn-locations-'));
  await mkdir(path.join(root, 'experiments'));
  await writeFile(path.join(root, 'experiments', 'where.yaml'), text);
  return { root, file: path.join(root, 'experiments', 'where.yaml') };
}

async function refusals(text: string, allowed: string[]): Promise<string[]> {
  const { file: experiment } = await project(text);
  const loaded = await loadExperiment(experiment, { checkData: false });
  try {
    checkLocations(loaded, allowed);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentError);
    return (error as ExperimentError).issues.map((issue) => `${issue.line}:${issue.column}: ${issue.message}`);
  }
}

describe('allowedLocations', () => {
  it('takes MXN_STAGING and each comma-separated prefix of MXN_ALLOWED_LOCATIONS', () => {
    expect(allowedLocations({ MXN_STAGING: 's3://stage/mxn', MXN_ALLOWED_LOCATIONS: ' s3://team-data , az://acct/results,' })).toEqual([
      's3://stage/mxn',
      's3://team-data',
      'az://acct/results',
    ]);
    expect(allowedLocations({})).toEqual([]);
  });
});

describe('checkLocations', () => {
  const allowed = ['s3://stage/mxn', 's3://team-data/housing', 'az://acct/results'];

  it('accepts stores under the allowed prefixes, and a file that names none', async () => {
    expect(
      await refusals(file('staging: s3://stage/mxn/pr-7, cache: s3://stage/mxn', 'outputs: az://acct/results/where?sv=x&sig=y\n'), allowed),
    ).toEqual([]);
    expect(await refusals(file('concurrency: 1').replace('s3://team-data/housing/b.parquet', 'data/b.parquet'), [])).toEqual([]);
  });

  it('refuses every store outside them at its line, without echoing a SAS', async () => {
    const lines = await refusals(
      file('staging: s3://stage/mxnother, cache: s3://victim/cache', 'outputs: az://acct/elsewhere/x?sig=secret\n'),
      allowed,
    );
    expect(lines).toEqual([
      expect.stringMatching(/^8:21: compute\.staging s3:\/\/stage\/mxnother is not a location this repository allows for pull requests; /),
      expect.stringMatching(/^8:49: compute\.cache s3:\/\/victim\/cache is not a location/),
      expect.stringMatching(/^9:10: outputs az:\/\/acct\/elsewhere\/x is not a location/),
    ]);
    expect(lines.join('\n')).not.toContain('secret');
    // a remote dataset is read with the job's identity too
    expect(await refusals(file('concurrency: 1'), ['s3://stage/mxn'])).toEqual([
      expect.stringMatching(/^4:23: datasets\[1\]\.train s3:\/\/team-data\/housing\/b\.parquet is not a location/),
    ]);
  });

  it('never lets ".." or an encoded slash climb out of an allowed prefix, and refuses everything when nothing is allowed', async () => {
    for (const staging of ['s3://stage/mxn/../other', 's3://stage/mxn/%2e%2e/other', 's3://stage/mxn%2Fx', 's3://stage/mxn//x'])
      expect(await refusals(file(`staging: "${staging}"`), allowed)).toHaveLength(1);
    expect(await refusals(file('staging: s3://stage/mxn'), [])).toHaveLength(2);
  });

  it('compares local folders by their real path', async () => {
    const { root } = await project('');
    const allowedDir = path.join(root, 'allowed');
    await mkdir(allowedDir);
    await symlink('/tmp', path.join(allowedDir, 'out'));
    const local = (staging: string) => file(`staging: ${staging}`).replace('s3://team-data/housing/b.parquet', 'data/b.parquet');
    expect(await refusals(local(path.join(allowedDir, 'stage')), [allowedDir])).toEqual([]);
    expect(await refusals(local(path.join(allowedDir, 'out', 'x')), [allowedDir])).toHaveLength(1);
  });

  it('is applied by openExperiment for untrusted files, before any backend or store is opened', async () => {
    const { file: experiment } = await project(file('staging: s3://victim/stage'));
    let created = 0;
    const createBackend = async () => {
      created++;
      throw new Error('not reached');
    };
    const env = { MXN_STAGING: 's3://stage/mxn', MXN_ALLOWED_LOCATIONS: 's3://team-data' };
    await expect(openExperiment(experiment, { untrusted: true, checkData: false, createBackend, env })).rejects.toThrow(
      /where\.yaml:8:21: compute\.staging s3:\/\/victim\/stage is not a location this repository allows/,
    );
    expect(created).toBe(0);
    // trusted: the file's own choice
    await expect(openExperiment(experiment, { checkData: false, createBackend, env })).rejects.toThrow('not reached');
  });

  it("refuses an untrusted checkout's .mxn that is a symlink or a file, before any backend or store is opened", async () => {
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'mxn-elsewhere-'));
    let created = 0;
    const createBackend = async () => {
      created++;
      throw new Error('not reached');
    };
    const linked = await project(file('backend: local'));
    await symlink(elsewhere, path.join(linked.root, '.mxn'));
    const env = { MXN_ALLOWED_LOCATIONS: 's3://team-data' };
    await expect(openExperiment(linked.file, { untrusted: true, checkData: false, createBackend, env })).rejects.toMatchObject({
      code: 'Usage',
      message: expect.stringMatching(/^\.mxn in .* is a symlink: mxn keeps its state .* will not follow it/),
    });
    const plain = await project(file('backend: local'));
    await writeFile(path.join(plain.root, '.mxn'), 'not a folder');
    expect(() => checkStateFolder(plain.root)).toThrow(/\.mxn in .* is not a folder/);
    // `mxn build` of a pull request's file applies the same checks (`checkUntrustedExperiment`); trusted input is not checked
    vi.stubEnv('MXN_ALLOWED_LOCATIONS', env.MXN_ALLOWED_LOCATIONS);
    try {
      await expect(loadForBuild([linked.file], linked.root, { untrusted: true })).rejects.toThrow(/^\.mxn in .* is a symlink/);
    } finally {
      vi.unstubAllEnvs();
    }
    await expect(loadForBuild([linked.file], linked.root, { untrusted: true })).rejects.toBeInstanceOf(ExperimentError);
    expect(await loadForBuild([linked.file], linked.root)).toHaveLength(1);
    expect(created).toBe(0);
    expect(await readdir(elsewhere)).toEqual([]);
    // a real folder (or none) is fine; trusted input may link its state folder anywhere
    const real = await project(file('backend: local'));
    await mkdir(path.join(real.root, '.mxn'));
    expect(() => checkStateFolder(real.root)).not.toThrow();
    await expect(openExperiment(linked.file, { checkData: false, createBackend, env })).rejects.toThrow('not reached');
  });
});
