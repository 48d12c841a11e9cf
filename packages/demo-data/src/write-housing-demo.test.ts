import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParquetFile } from '@mxn/data';
import { generateHousing } from './generate-housing.js';
import { writeHousingDemo } from './write-housing-demo.js';
import type { HousingFileInfo } from './write-housing-demo.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'demo-data-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeHousingDemo', () => {
  it('writes one parquet file per region that reads back as the generated table', async () => {
    const out = join(dir, 'all');
    const paths = await writeHousingDemo(out, { rows: 200, seed: 9 });
    expect(paths).toEqual(['seoul', 'busan', 'daegu'].map((r) => join(out, `${r}.parquet`)));
    const table = await readParquetFile(join(out, 'daegu.parquet'));
    const expected = generateHousing({ region: 'daegu', rows: 200, seed: 9 });
    expect(table.names).toEqual(expected.names);
    expect(Array.from(table.columns.price as Float64Array)).toEqual(Array.from(expected.columns.price as Float64Array));
    expect(table.columns.district).toEqual(expected.columns.district);
  });

  it('leaves identical files untouched and rewrites ones whose content differs', async () => {
    const out = join(dir, 'again');
    await writeHousingDemo(out, { rows: 100, regions: ['busan', 'daegu'] });
    const busan = join(out, 'busan.parquet');
    const daegu = join(out, 'daegu.parquet');
    const before = (await stat(busan)).mtimeMs;
    await writeFile(daegu, 'stale');
    await new Promise((r) => setTimeout(r, 20));

    const seen: HousingFileInfo[] = [];
    await writeHousingDemo(out, { rows: 100, regions: ['busan', 'daegu'], onFile: (f) => seen.push(f) });
    expect(seen.map((f) => [f.region, f.written])).toEqual([
      ['busan', false],
      ['daegu', true],
    ]);
    expect((await stat(busan)).mtimeMs).toBe(before);
    expect((await readParquetFile(daegu)).numRows).toBe(100);
  });
});

describe('mxn-demo-data', () => {
  it('writes the three regions into the given folder and reports each file', async () => {
    const bin = join(dirname(fileURLToPath(import.meta.url)), 'bin.ts');
    const out = join(dir, 'cli');
    const run = () => spawnSync(process.execPath, ['--import', 'tsx', bin, out, '--seed', '3'], { encoding: 'utf8' });
    const first = run();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/wrote +.*seoul\.parquet \(8000 rows\)/);
    expect(first.stdout).toMatch(/wrote +.*daegu\.parquet \(1500 rows\)/);
    const second = run();
    expect(second.stdout.match(/unchanged/g)).toHaveLength(3);
    expect((await readFile(join(out, 'busan.parquet'))).byteLength).toBeGreaterThan(1000);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', bin, '--seed', 'x'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--seed needs a whole number');
  });
});
