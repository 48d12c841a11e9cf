#!/usr/bin/env node
// Keeps the package graph honest (`npm run check:graph`; plain Node, no dependencies):
//   (a) the workspace packages' dependency graph (dependencies, devDependencies, peerDependencies,
//       optionalDependencies between workspace packages) has no cycle;
//   (b) no import reaches into another package's folder (`@mxn/core/src/…`, `../../core/src/…`,
//       `../packages/x/dist/…`): packages meet at their entries;
//   (c) a package imports another workspace package only if its package.json declares it. Files outside
//       every package (test/, scripts/, actions/) are exempt from (c): the root is the workspace itself.
// One line per problem, `file:line: message (fix: …)`; exit code 1 when there is any.
// Imports are read with a small scanner that skips comments, strings and template literals, so code
// that a test writes into a fixture (`writeFile('train.js', \`import … from '@mxn/model-kit'\`)`) is not
// taken for an import of the test itself.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMain, repoRoot } from './docs-cli.mjs';

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
const SOURCE_EXTENSIONS = /\.(ts|mts|cts|js|mjs|cjs)$/;
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', '.turbo', 'coverage']);

/**
 * Checks the workspace under `root`; returns the problems (an empty list when there are none), each
 * `{ file, line, message, fix }` with `file` relative to `root`.
 */
export function checkGraph(root) {
  const packages = readWorkspacePackages(root);
  const problems = [...findCycles(packages)];
  for (const file of sourceFiles(root, packages)) problems.push(...checkImports(root, file, packages));
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** `file:line: message (fix: …)`. */
export function formatProblem(problem) {
  return `${problem.file}:${problem.line}: ${problem.message} (fix: ${problem.fix})`;
}

// ---------------------------------------------------------------- workspace

function readWorkspacePackages(root) {
  const rootManifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const patterns = Array.isArray(rootManifest.workspaces) ? rootManifest.workspaces : (rootManifest.workspaces?.packages ?? []);
  const dirs = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const parent = path.join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory()) dirs.push(path.join(parent, entry.name));
      }
    } else {
      dirs.push(path.join(root, pattern));
    }
  }
  const packages = [];
  for (const dir of dirs.sort()) {
    const manifestPath = path.join(dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const text = readFileSync(manifestPath, 'utf8');
    const manifest = JSON.parse(text);
    if (typeof manifest.name !== 'string') continue;
    const edges = [];
    for (const field of DEPENDENCY_FIELDS) {
      for (const name of Object.keys(manifest[field] ?? {})) edges.push({ name, field, line: lineOfKey(text, field, name) });
    }
    packages.push({ name: manifest.name, dir, manifestFile: path.relative(root, manifestPath), edges });
  }
  return packages;
}

/** The 1-based line of `"name":` inside the `field` object of a package.json text (1 if not found). */
function lineOfKey(text, field, name) {
  const fieldAt = text.indexOf(`"${field}"`);
  if (fieldAt < 0) return 1;
  const at = text.indexOf(`"${name}"`, fieldAt);
  return at < 0 ? lineAt(text, fieldAt) : lineAt(text, at);
}

function lineAt(text, index) {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

// ---------------------------------------------------------------- (a) cycles

function findCycles(packages) {
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const next = (pkg) => pkg.edges.filter((edge) => byName.has(edge.name));
  // Tarjan's strongly connected components.
  let index = 0;
  const indexOf = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = (pkg) => {
    indexOf.set(pkg.name, index);
    low.set(pkg.name, index);
    index++;
    stack.push(pkg.name);
    onStack.add(pkg.name);
    for (const edge of next(pkg)) {
      if (!indexOf.has(edge.name)) {
        visit(byName.get(edge.name));
        low.set(pkg.name, Math.min(low.get(pkg.name), low.get(edge.name)));
      } else if (onStack.has(edge.name)) {
        low.set(pkg.name, Math.min(low.get(pkg.name), indexOf.get(edge.name)));
      }
    }
    if (low.get(pkg.name) === indexOf.get(pkg.name)) {
      const component = [];
      let name;
      do {
        name = stack.pop();
        onStack.delete(name);
        component.push(name);
      } while (name !== pkg.name);
      components.push(component);
    }
  };
  for (const pkg of packages) if (!indexOf.has(pkg.name)) visit(pkg);

  // Each component with a cycle: the shortest cycle through each of its members, each cycle once.
  const problems = [];
  const reported = new Set();
  for (const component of components) {
    const members = new Set(component);
    if (component.length === 1 && !next(byName.get(component[0])).some((edge) => edge.name === component[0])) continue;
    for (const start of [...component].sort()) {
      const steps = shortestCycle(start, members, byName, next);
      // The same cycle found from another member is the same rotation: start it at its first name.
      const first = steps.reduce((best, step, i) => (step.from < steps[best].from ? i : best), 0);
      const cycle = [...steps.slice(first), ...steps.slice(0, first)];
      const key = cycle.map((step) => step.from).join(' ');
      if (reported.has(key)) continue;
      reported.add(key);
      const head = cycle[0];
      const text = [
        head.from,
        ...cycle.map((step) => `${step.edge.name}${step.edge.field === 'dependencies' ? '' : ` (${step.edge.field} of ${step.from})`}`),
      ].join(' → ');
      problems.push({
        file: byName.get(head.from).manifestFile,
        line: head.edge.line,
        message: `dependency cycle: ${text}`,
        fix: 'remove one edge of the cycle: move what both need into a package below them, or test the lower package without the upper one',
      });
    }
  }
  return problems;
}

function shortestCycle(start, members, byName, next) {
  const selfEdge = next(byName.get(start)).find((edge) => edge.name === start);
  if (selfEdge) return [{ from: start, edge: selfEdge }];
  // Breadth-first from start's successors back to start, inside the component.
  const queue = [];
  const cameFrom = new Map();
  for (const edge of next(byName.get(start))) {
    if (!members.has(edge.name) || cameFrom.has(edge.name)) continue;
    cameFrom.set(edge.name, { from: start, edge });
    queue.push(edge.name);
  }
  while (queue.length > 0) {
    const name = queue.shift();
    for (const edge of next(byName.get(name))) {
      if (edge.name === start) {
        const steps = [{ from: name, edge }];
        for (let at = name; at !== start; at = cameFrom.get(at).from) steps.unshift(cameFrom.get(at));
        return steps;
      }
      if (!members.has(edge.name) || cameFrom.has(edge.name)) continue;
      cameFrom.set(edge.name, { from: name, edge });
      queue.push(edge.name);
    }
  }
  throw new Error(`check-graph: no cycle through ${start} in its component`);
}

// ---------------------------------------------------------------- (b), (c) imports

function sourceFiles(root, packages) {
  const starts = [path.join(root, 'test'), path.join(root, 'scripts'), path.join(root, 'actions')];
  for (const pkg of packages) {
    if (path.relative(root, pkg.dir).split(path.sep)[0] === 'packages') {
      for (const sub of ['src', 'test', 'test-support', 'bin']) starts.push(path.join(pkg.dir, sub));
    } else {
      starts.push(pkg.dir); // models/*: plain scripts at the top of the folder and below
    }
  }
  const files = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (SKIPPED_FOLDERS.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && SOURCE_EXTENSIONS.test(entry.name) && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.d.mts'))
        files.push(full);
    }
  };
  for (const start of starts) walk(start);
  return [...new Set(files)];
}

function packageOf(file, packages) {
  let best;
  for (const pkg of packages) {
    if (file.startsWith(pkg.dir + path.sep) && (!best || pkg.dir.length > best.dir.length)) best = pkg;
  }
  return best;
}

/** Splits `@scope/name/sub/path` (or `name/sub/path`) into the package name and the rest. */
function splitSpecifier(specifier) {
  const parts = specifier.split('/');
  const size = specifier.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, size).join('/'), subpath: parts.slice(size).join('/') };
}

function checkImports(root, file, packages) {
  const text = readFileSync(file, 'utf8');
  const owner = packageOf(file, packages);
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const relativeFile = path.relative(root, file);
  const problems = [];
  for (const { specifier, index } of importSpecifiers(text)) {
    const line = lineAt(text, index);
    if (specifier.startsWith('.')) {
      const target = path.resolve(path.dirname(file), specifier);
      const reached = packageOf(target, packages);
      if (reached && reached !== owner) {
        const inside = path.relative(reached.dir, target).split(path.sep).join('/');
        problems.push({
          file: relativeFile,
          line,
          message: `'${specifier}' reaches into ${path.relative(root, reached.dir).split(path.sep).join('/')}/${inside}`,
          fix:
            `import from '${reached.name}' (export what is needed from its entry)` +
            `${owner ? ` and declare '${reached.name}' in ${owner.manifestFile}` : ''}`,
        });
      }
      continue;
    }
    const { name, subpath } = splitSpecifier(specifier);
    const target = byName.get(name);
    if (!target) continue;
    const firstSegment = subpath.split('/')[0];
    if (['src', 'dist', 'test', 'test-support'].includes(firstSegment)) {
      problems.push({
        file: relativeFile,
        line,
        message: `'${specifier}' reaches into ${name}'s ${firstSegment}/`,
        fix: `import from '${name}' or one of its package.json "exports" (add an export there if needed)`,
      });
    }
    if (owner && owner !== target && !owner.edges.some((edge) => edge.name === name)) {
      const field =
        relativeFile.includes('.test.') || /(^|\/)(test|test-support)\//.test(relativeFile) ? 'devDependencies' : 'dependencies';
      problems.push({
        file: relativeFile,
        line,
        message: `imports '${specifier}' but ${owner.manifestFile} does not declare ${name}`,
        fix: `add "${name}": "*" to "${field}" of ${owner.manifestFile}`,
      });
    }
  }
  return problems;
}

// ---------------------------------------------------------------- scanner

const REGEX_AFTER_WORDS = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);

/**
 * The module specifiers of a JavaScript or TypeScript text with their offsets: `import … from 'x'`,
 * `export … from 'x'`, `import 'x'`, `import('x')` (also in types), `require('x')`. Comments, string
 * contents and template literals are skipped (a template's `${…}` code is read).
 */
export function importSpecifiers(text) {
  const tokens = tokenize(text);
  const found = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.type !== 'word') continue;
    const after = tokens[i + 1];
    const previous = tokens[i - 1];
    if (previous && previous.type === 'punct' && previous.value === '.') continue; // x.import, x.require, x.from
    if ((token.value === 'from' || token.value === 'import') && after?.type === 'string') {
      found.push({ specifier: after.value, index: after.index });
    } else if ((token.value === 'import' || token.value === 'require') && after?.value === '(' && tokens[i + 2]?.type === 'string') {
      const close = tokens[i + 3];
      if (close && (close.value === ')' || close.value === ',')) found.push({ specifier: tokens[i + 2].value, index: tokens[i + 2].index });
    }
  }
  return found;
}

function tokenize(text) {
  const tokens = [];
  const braces = []; // for each open template `${`, the brace depth at which it closes
  let depth = 0;
  let i = 0;
  const n = text.length;
  const isWordChar = (c) => /[\w$]/.test(c);
  const regexAllowed = () => {
    const last = tokens[tokens.length - 1];
    if (!last) return true;
    if (last.type === 'word') return REGEX_AFTER_WORDS.has(last.value);
    if (last.type === 'string' || last.type === 'template' || last.type === 'number' || last.type === 'regex') return false;
    return ![')', ']', '}'].includes(last.value);
  };
  const readTemplate = () => {
    // i is just after a backtick or after the `}` that closes a `${`; reads to the closing backtick or the next `${`.
    while (i < n) {
      const c = text[i];
      if (c === '\\') {
        i += 2;
      } else if (c === '`') {
        i++;
        tokens.push({ type: 'template', value: '', index: i });
        return;
      } else if (c === '$' && text[i + 1] === '{') {
        i += 2;
        braces.push(depth);
        depth++;
        tokens.push({ type: 'punct', value: '${', index: i });
        return;
      } else {
        i++;
      }
    }
  };
  while (i < n) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '"' || c === "'") {
      const start = i;
      let value = '';
      i++;
      while (i < n && text[i] !== c && text[i] !== '\n') {
        if (text[i] === '\\') {
          value += text[i + 1] ?? '';
          i += 2;
        } else {
          value += text[i++];
        }
      }
      i++;
      tokens.push({ type: 'string', value, index: start });
    } else if (c === '`') {
      i++;
      readTemplate();
    } else if (c === '{') {
      depth++;
      tokens.push({ type: 'punct', value: c, index: i++ });
    } else if (c === '}') {
      depth--;
      i++;
      if (braces.length > 0 && braces[braces.length - 1] === depth) {
        braces.pop();
        readTemplate();
      } else {
        tokens.push({ type: 'punct', value: c, index: i - 1 });
      }
    } else if (c === '/' && regexAllowed()) {
      const start = i;
      i++;
      let inClass = false;
      while (i < n && text[i] !== '\n') {
        const r = text[i];
        if (r === '/' && !inClass) break;
        if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        i += r === '\\' ? 2 : 1;
      }
      i++;
      while (i < n && /[a-z]/i.test(text[i])) i++;
      tokens.push({ type: 'regex', value: '', index: start });
    } else if (/\s/.test(c)) {
      i++;
    } else if (/\d/.test(c)) {
      const start = i;
      while (i < n && /[\w.]/.test(text[i])) i++;
      tokens.push({ type: 'number', value: text.slice(start, i), index: start });
    } else if (isWordChar(c)) {
      const start = i;
      while (i < n && isWordChar(text[i])) i++;
      tokens.push({ type: 'word', value: text.slice(start, i), index: start });
    } else {
      tokens.push({ type: 'punct', value: c, index: i++ });
    }
  }
  return tokens;
}

// ---------------------------------------------------------------- main

function main() {
  const root = path.resolve(process.argv[2] ?? repoRoot);
  const problems = checkGraph(root);
  for (const problem of problems) console.log(formatProblem(problem));
  if (problems.length > 0) {
    console.log(`check-graph: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    process.exitCode = 1;
  } else {
    console.log('check-graph: no cycles, no imports into another package, every workspace import declared');
  }
}

if (isMain(import.meta.url)) main();
