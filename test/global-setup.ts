// Runs once before every test file: builds the demo datasets the end-to-end tests use.
import path from 'node:path';
import { writeHousingDemo } from '@mxn/demo-data';
import { repoRoot } from './support/project.js';

export default async function setup(): Promise<void> {
  await writeHousingDemo(path.join(repoRoot, 'data/housing'));
}
