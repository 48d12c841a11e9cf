// Runs once around every test file: builds the demo datasets the end-to-end tests use, points
// TMPDIR (so os.tmpdir()) of every test worker, emulator and model process at one folder for the
// run, removed when the run ends: no test leaves throwaway folders behind; and, when a container
// engine answers, builds the offline base images (node:20-slim, python:3.11-slim) the models'
// Dockerfiles start from, unless they are current. Without an engine the Docker tests skip (or
// fail in CI) through skipWithoutDocker.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeHousingDemo } from '@mxn/demo-data';
import { dockerAvailable, ensureBaseImages } from '@mxn/testkit';
import { repoRoot } from './support/project.js';

export default async function setup(): Promise<() => void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'mxn-tests-'));
  process.env.TMPDIR = scratch;
  await writeHousingDemo(path.join(repoRoot, 'data/housing'));
  if (await dockerAvailable()) {
    try {
      await ensureBaseImages({ root: repoRoot, log: (line) => process.stderr.write(`${line}\n`) });
    } catch (error) {
      const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0';
      if (ci) throw error;
      // On a development machine the Docker tests then fail with their own messages; the others run.
      process.stderr.write(`test setup: the base images could not be built: ${(error as Error).message}\n`);
    }
  }
  return () => rmSync(scratch, { recursive: true, force: true });
}
