/** A throwaway project folder for core's tests: experiments/, data/ and a model folder. */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeParquetFile, type Table } from '@mxn/data';

export interface TestProject {
  root: string;
  write(relative: string, text: string): Promise<string>;
  writeTable(relative: string, table: Table): Promise<string>;
}

export async function testProject(): Promise<TestProject> {
  const root = await mkdtemp(path.join(tmpdir(), 'mxn-project-'));
  const write = async (relative: string, text: string) => {
    const file = path.join(root, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    return file;
  };
  const writeTable = async (relative: string, table: Table) => {
    const file = path.join(root, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeParquetFile(file, table);
    return file;
  };
  return { root, write, writeTable };
}

/** y = 2x + 1 with `rows` rows. */
export function linearTable(rows: number, slope = 2): Table {
  const x = Float64Array.from({ length: rows }, (_, i) => i);
  return { names: ['x', 'y'], columns: { x, y: x.map((value) => slope * value + 1) }, numRows: rows };
}
