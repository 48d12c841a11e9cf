/**
 * What test/readme-exports.test.ts compares: the names a package README lists in its API section, and
 * the names the package's entry points export (read from the sources with the TypeScript compiler API,
 * so type-only exports count and nothing needs to be built).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ApiSection {
  /** 1-based line of the section's heading. */
  line: number;
  /** Each listed name with the 1-based line it is listed on. */
  names: { name: string; line: number }[];
}

const API_HEADING = /^(#{1,6})\s+(API|Exports)\b/i;
const HEADING = /^#{1,6}\s/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*/;

/**
 * The API section of a README: from a heading whose text starts with "API" or "Exports" to the next
 * heading of any level. Undefined when there is none. Listed names are read from
 *   - top-level bullets (`- ` or `* ` at the start of the line, with their indented continuation
 *     lines; nested bullets are details), and
 *   - table rows (the first cell; the header and separator rows are skipped),
 * taking the code spans at the start of the item, optionally after a label that ends with a colon
 * (`- Types: \`A\`, \`B\``), separated only by commas, slashes, "and"/"or" and spaces. The name is the
 * identifier a code span starts with: `runPool(items, …)` lists `runPool`. The first span that is
 * followed by other text ends the list, so prose after it may quote anything.
 */
export function readApiSection(markdown: string): ApiSection | undefined {
  const lines = markdown.split('\n');
  let start = -1;
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('```')) inFence = !inFence;
    if (!inFence && API_HEADING.test(line)) {
      start = i;
      break;
    }
  }
  if (start < 0) return undefined;
  const names: { name: string; line: number }[] = [];
  inFence = false;
  let tableRow = 0;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('```')) inFence = !inFence;
    if (inFence) continue;
    if (HEADING.test(line)) break;
    if (/^[-*] /.test(line)) {
      // A bullet goes on over its indented continuation lines, up to a nested bullet or a blank line.
      const itemLine = i + 1;
      let item = line.slice(2);
      while (/^\s+\S/.test(lines[i + 1] ?? '') && !/^\s+[-*] /.test(lines[i + 1] ?? '')) item += ` ${(lines[++i] ?? '').trim()}`;
      for (const name of leadingNames(item)) names.push({ name, line: itemLine });
      tableRow = 0;
    } else if (line.startsWith('|')) {
      tableRow++;
      // Row 1 is the header, row 2 the separator.
      if (tableRow > 2) for (const name of leadingNames(splitFirstCell(line))) names.push({ name, line: i + 1 });
    } else {
      tableRow = 0;
    }
  }
  return { line: start + 1, names };
}

function splitFirstCell(row: string): string {
  let cell = '';
  for (let i = 1; i < row.length; i++) {
    const c = row[i];
    if (c === '\\' && row[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (c === '|') {
      break;
    } else {
      cell += c;
    }
  }
  return cell;
}

/** The names of the code spans an item starts with (see readApiSection). */
export function leadingNames(item: string): string[] {
  let rest = item.trim();
  const label = /^[A-Za-z][\w -]*:\s+(?=`)/.exec(rest);
  if (label) rest = rest.slice(label[0].length);
  const names: string[] = [];
  while (rest.startsWith('`')) {
    const end = rest.indexOf('`', 1);
    if (end < 0) break;
    const name = IDENTIFIER.exec(rest.slice(1, end).trim());
    if (name) names.push(name[0]);
    rest = rest.slice(end + 1);
    const separator = /^\s*(,|\/|\band\b|\bor\b)\s*(?=`)/.exec(rest);
    if (!separator) break;
    rest = rest.slice(separator[0].length);
  }
  return names;
}

export interface EntryPoint {
  /** The package.json `exports` key: `.`, `./testing`, … */
  subpath: string;
  /** The source file of that entry, relative to the package folder. */
  source: string;
}

/**
 * The entry points of a package: each `exports` key (else `main`), its built `./dist/<p>.js` (or
 * `.d.ts`) mapped to `./src/<p>.ts`. Entries whose source cannot be found are left out.
 */
export function entryPoints(packageDir: string): EntryPoint[] {
  const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    main?: string;
    exports?: string | Record<string, string | Record<string, string>>;
  };
  const exportsField =
    typeof manifest.exports === 'string' ? { '.': manifest.exports } : (manifest.exports ?? (manifest.main ? { '.': manifest.main } : {}));
  const entries: EntryPoint[] = [];
  for (const [subpath, target] of Object.entries(exportsField)) {
    const built = typeof target === 'string' ? target : (target.import ?? target.default ?? target.types);
    if (!built) continue;
    const source = built.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$|\.js$/, '.ts');
    if (existsSync(path.join(packageDir, source))) entries.push({ subpath, source });
  }
  return entries;
}

/**
 * The exported names (values and types) of each source file, read without type-checking: only
 * relative imports are followed, so `export { X } from '@mxn/other'` counts as exporting `X`.
 */
export function exportedNames(files: string[]): Map<string, string[]> {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowJs: false,
    noLib: true,
    types: [],
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  host.resolveModuleNameLiterals = (literals, containingFile, redirectedReference, compilerOptions) =>
    literals.map((literal) =>
      literal.text.startsWith('.')
        ? ts.resolveModuleName(literal.text, containingFile, compilerOptions, host, undefined, redirectedReference)
        : { resolvedModule: undefined },
    );
  const program = ts.createProgram({ rootNames: files, options, host });
  const checker = program.getTypeChecker();
  const result = new Map<string, string[]>();
  for (const file of files) {
    const sourceFile = program.getSourceFile(file);
    const symbol = sourceFile && checker.getSymbolAtLocation(sourceFile);
    result.set(file, symbol ? checker.getExportsOfModule(symbol).map((exported) => exported.getName()) : []);
  }
  return result;
}
