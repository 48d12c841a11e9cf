/**
 * Reads and parses an experiment file within fixed bounds, so a hostile file (a symlink out of the
 * project, a device, a huge file, a "billion laughs" of YAML aliases, nesting too deep) is one
 * `ExperimentError` for that file and never exhausts the process.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ExperimentError } from '../errors.js';
import { keepNumberLiterals } from './number-literals.js';
import { resolveInProject } from './project-path.js';

/** The largest experiment file read, in bytes (1 MiB). */
export const MAX_EXPERIMENT_BYTES = 1024 * 1024;
/** How many times YAML aliases may be expanded in one file; a few suffice, a resource-exhaustion attack needs thousands. */
const MAX_YAML_ALIASES = 100;

export interface ParsedExperimentText {
  doc: Document;
  lines: LineCounter;
  raw: unknown;
}

/**
 * The text of experiment file `absolute` (shown as `shown` in messages): a regular file of at most
 * 1 MiB, which, when it is untrusted and lies in the project `root`, does not lead out of it through a symlink.
 */
export async function readExperimentText(absolute: string, root: string, shown: string, untrusted = false): Promise<string> {
  const fail = (message: string) => new ExperimentError([{ file: shown, line: 1, column: 1, message }]);
  const relative = path.relative(root, absolute);
  const inRoot = relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
  if (untrusted && inRoot && resolveInProject(relative, root, { untrusted }).problem)
    throw fail('the experiment file leads outside the project (a symlink); keep experiment files inside it');
  const handle = await open(absolute, 'r').catch((error: NodeJS.ErrnoException) => {
    throw fail(`cannot read the experiment file (${error.code ?? error.message})`);
  });
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw fail('the experiment file is not a regular file');
    if (stats.size > MAX_EXPERIMENT_BYTES)
      throw fail(`the experiment file has ${stats.size} bytes, more than the ${MAX_EXPERIMENT_BYTES} an experiment file may have`);
    const buffer = Buffer.alloc(MAX_EXPERIMENT_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_EXPERIMENT_BYTES) throw fail(`the experiment file has more than the ${MAX_EXPERIMENT_BYTES} bytes it may have`);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * The parsed document, its line counter and its value (params numbers kept as written, see `keepNumberLiterals`);
 * YAML errors and over-expansion are `file:line` issues.
 */
export function parseExperimentText(text: string, shown: string): ParsedExperimentText {
  const lines = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    throw new ExperimentError([{ file: shown, line: 1, column: 1, message: `YAML: cannot parse (${(error as Error).message})` }]);
  }
  if (doc.errors.length > 0) {
    throw new ExperimentError(
      doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { file: shown, line, column: col, message: `YAML: ${error.message.split('\n')[0]}` };
      }),
    );
  }
  try {
    const raw = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {};
    keepNumberLiterals(doc, raw);
    return { doc, lines, raw };
  } catch (error) {
    const message = /alias/i.test((error as Error).message)
      ? `YAML: aliases expand more than ${MAX_YAML_ALIASES} times (a resource-exhaustion pattern); write the values out`
      : `YAML: cannot read the document (${(error as Error).message.split('\n')[0]})`;
    throw new ExperimentError([{ file: shown, line: 1, column: 1, message }]);
  }
}
