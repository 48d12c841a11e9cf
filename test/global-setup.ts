// Runs once around every test file: builds the demo datasets the end-to-end tests use, and points
// TMPDIR (so os.tmpdir()) of every test worker, emulator and model process at one folder for the
// run, removed when the run ends: no test leaves throwaway folders behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeHousingDemo } from '@mxn/demo-data';
import { repoRoot } from './support/project.js';

export default async function setup(): Promise<() => void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'mxn-tests-'));
  process.env.TMPDIR = scratch;
  await writeHousingDemo(path.join(repoRoot, 'data/housing'));
  return () => rmSync(scratch, { recursive: true, force: true });
}
