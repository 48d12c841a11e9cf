import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeParquet } from '@mxn/data';
import { DEFAULT_SEED, generateHousing } from './generate-housing.js';
import { REGION_NAMES } from './regions.js';
import type { RegionName } from './regions.js';

export interface HousingFileInfo {
  region: RegionName;
  path: string;
  rows: number;
  /** False when an identical file was already there and was left untouched. */
  written: boolean;
}

export interface WriteHousingDemoOptions {
  /** Seed for every region. Default `42`. */
  seed?: number;
  /** Regions to write. Default: all (`seoul`, `busan`, `daegu`). */
  regions?: RegionName[];
  /** Rows per region. Default: each region's own size. */
  rows?: number;
  /** Called once per file, after it was written or found identical. */
  onFile?: (info: HousingFileInfo) => void;
}

/**
 * Writes `<dir>/<region>.parquet` for each region and returns the paths (absolute), in region order.
 * A file that already holds exactly the bytes it would write is left untouched (its mtime too), so
 * content-hash caches stay warm.
 */
export async function writeHousingDemo(dir: string, options: WriteHousingDemoOptions = {}): Promise<string[]> {
  const regions = options.regions ?? REGION_NAMES;
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const region of regions) {
    const table = generateHousing({
      region,
      seed: options.seed ?? DEFAULT_SEED,
      ...(options.rows === undefined ? {} : { rows: options.rows }),
    });
    const bytes = writeParquet(table);
    const path = resolve(join(dir, `${region}.parquet`));
    const written = !(await sameContent(path, bytes));
    if (written) await writeFile(path, bytes);
    options.onFile?.({ region, path, rows: table.numRows, written });
    paths.push(path);
  }
  return paths;
}

async function sameContent(path: string, bytes: Uint8Array): Promise<boolean> {
  let existing: Buffer;
  try {
    existing = await readFile(path);
  } catch {
    return false;
  }
  return Buffer.compare(existing, bytes) === 0;
}
