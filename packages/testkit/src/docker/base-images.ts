/**
 * The base images the repo's Dockerfiles name (`node:20-slim`, `python:3.11-slim`), built offline
 * from what this machine has, because no image registry may be reachable: each is a root
 * filesystem assembled from the host's Node.js or Python (binary, libraries from `ldd`, the dynamic
 * loader, /bin/sh, CA certificates) and `docker import`ed. The Python image also carries the
 * packages every `models/*\/requirements.txt` pins, installed on the host with pip, so a
 * Dockerfile's `pip install -r requirements.txt` finds them satisfied and needs no network.
 *
 * Each image is labelled `mxn.base=<hash of what went into it>`; `ensureBaseImages` rebuilds only
 * an image whose label differs, under a lock file so concurrent callers build it once.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, existsSync, readdirSync } from 'node:fs';
import {
  chmod,
  copyFile,
  cp,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  realpath,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requiresModelKit } from '@mxn/core';
import { docker, runDocker } from './engine.js';

export type BaseImageName = 'node:20-slim' | 'python:3.11-slim';
export const BASE_IMAGES: readonly BaseImageName[] = ['node:20-slim', 'python:3.11-slim'];
/** The image label holding the hash of what went into a base image. */
export const BASE_IMAGE_LABEL = 'mxn.base';
/** Bump when the way the images are assembled changes: every image is rebuilt once. */
const RECIPE_VERSION = 1;
/** Pins used when no `models/*\/requirements.txt` exists. */
export const FALLBACK_PYTHON_REQUIREMENTS: readonly string[] = ['numpy==2.2.6', 'pandas==2.3.3', 'pyarrow==25.0.1', 'scikit-learn==1.9.1'];
/** Outside os.tmpdir(), which the test setup points at a per-run folder. */
export const DEFAULT_LOCK_FILE = process.platform === 'win32' ? path.join(tmpdir(), 'mxn-base-images.lock') : '/tmp/mxn-base-images.lock';

const PATH_ENV = 'PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** Core tools a Dockerfile's RUN line may reasonably use (the slim images have coreutils); /usr/bin/env runs npm. */
const BASIC_TOOLS = [
  'env',
  'true',
  'false',
  'cat',
  'cp',
  'mv',
  'rm',
  'ln',
  'ls',
  'mkdir',
  'rmdir',
  'chmod',
  'touch',
  'sleep',
  'id',
  'uname',
  'head',
  'tail',
  'dirname',
  'basename',
];

export interface EnsureBaseImagesOptions {
  /** Default: both. */
  images?: BaseImageName[];
  /** Progress lines; default: none. */
  log?: (line: string) => void;
  /** The repository root, whose `models/*\/requirements.txt` the Python image serves. Default: found from the working directory. */
  root?: string;
  /** Default `/tmp/mxn-base-images.lock`. */
  lockFile?: string;
}

/** Builds, offline and only when missing or stale, the base images the repo's Dockerfiles name. */
export async function ensureBaseImages(options: EnsureBaseImagesOptions = {}): Promise<void> {
  const log = options.log ?? (() => undefined);
  const root = options.root ?? findRepoRoot();
  const wanted = [...new Set(options.images ?? BASE_IMAGES)];
  const recipes = (
    await Promise.all(
      wanted.map((image) =>
        recipeFor(image, root).catch(async (error: Error) => {
          // Nothing on this host to build it from: an existing image (say, a pulled one) is better than none.
          if ((await imageId(image)) === undefined) throw error;
          log(`base image ${image}: kept the existing image: ${error.message}`);
          return undefined;
        }),
      ),
    )
  ).filter((recipe) => recipe !== undefined);
  const stale = async () =>
    (await Promise.all(recipes.map(async (recipe) => ((await imageLabel(recipe.image)) === recipe.hash ? undefined : recipe)))).filter(
      (recipe) => recipe !== undefined,
    );
  if ((await stale()).length === 0) return;
  await withLock(options.lockFile ?? DEFAULT_LOCK_FILE, log, async () => {
    for (const recipe of await stale()) await buildImage(recipe, log); // another process may have built some meanwhile
  });
}

/** The sorted, de-duplicated pins of every `models/*\/requirements.txt` under `root` (lines naming mxn-model-kit are skipped). */
export async function pythonRequirements(root: string): Promise<{ pins: string[]; files: string[] }> {
  const models = path.join(root, 'models');
  const entries = existsSync(models) ? await readdir(models, { withFileTypes: true }) : [];
  const files = entries
    .filter((entry) => entry.isDirectory() && existsSync(path.join(models, entry.name, 'requirements.txt')))
    .map((entry) => path.join(models, entry.name, 'requirements.txt'))
    .sort();
  if (files.length === 0) return { pins: [...FALLBACK_PYTHON_REQUIREMENTS], files };
  const pins = new Set<string>();
  for (const file of files) {
    for (const raw of (await readFile(file, 'utf8')).split('\n')) {
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      if (line === '' || requiresModelKit(line)) continue;
      // Only plain requirement specifiers can be served from the package index; options, paths and URLs are the Dockerfile's business.
      if (
        !/^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,\s-]*\])?\s*((===|==|~=|!=|>=|<=|<|>)\s*[A-Za-z0-9.*+!_-]+\s*,?\s*)*(;.*)?$/.test(line)
      )
        continue;
      pins.add(line.replace(/\s+/g, ''));
    }
  }
  return { pins: [...pins].sort(), files };
}

interface Recipe {
  image: BaseImageName;
  hash: string;
  /** For the progress line: what the image is built from. */
  source: string;
  /** Fills the root filesystem; returns the `docker import --change` lines. */
  assemble(rootfs: RootFs, log: (line: string) => void): Promise<string[]>;
}

async function recipeFor(image: BaseImageName, root: string): Promise<Recipe> {
  return image === 'node:20-slim' ? nodeRecipe() : pythonRecipe(root);
}

async function buildImage(recipe: Recipe, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  log(`base image ${recipe.image}: building from ${recipe.source}`);
  const previous = await imageId(recipe.image);
  const dir = await mkdtemp(path.join(tmpdir(), 'mxn-base-image-'));
  try {
    const rootfs = new RootFs(path.join(dir, 'rootfs'));
    await rootfs.init();
    const changes = await recipe.assemble(rootfs, log);
    changes.push(`LABEL ${BASE_IMAGE_LABEL}=${recipe.hash}`);
    await importRootFs(rootfs.dir, recipe.image, changes);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  // The replaced image is dangling now; drop it unless something still uses it (vfs keeps full copies).
  if (previous !== undefined && previous !== (await imageId(recipe.image)))
    await runDocker(['image', 'rm', previous]).catch(() => undefined);
  const size = (await docker(['image', 'inspect', '--format', '{{.Size}}', recipe.image]).catch(() => '0')).trim();
  log(`base image ${recipe.image}: built in ${((Date.now() - started) / 1000).toFixed(1)} s (${Math.round(Number(size) / 1e6)} MB)`);
}

async function importRootFs(dir: string, image: string, changes: string[]): Promise<void> {
  const tar = spawn('tar', ['-C', dir, '--numeric-owner', '--owner=0', '--group=0', '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tarError = '';
  tar.stderr.on('data', (chunk: Buffer) => (tarError = (tarError + chunk.toString()).slice(-2000)));
  const tarExit = new Promise<number>((resolve, reject) => {
    tar.once('error', reject);
    tar.once('close', (code) => resolve(code ?? 1));
  });
  const args = ['import', '--message', 'mxn base image, assembled from the host (testkit ensureBaseImages)'];
  for (const change of changes) args.push('--change', change);
  args.push('-', image);
  const imported = docker(args, { input: tar.stdout });
  const [code] = await Promise.all([tarExit, imported]);
  if (code !== 0) throw new Error(`testkit: tar of the ${image} root filesystem exited with ${code}: ${tarError.trim()}`);
}

async function imageLabel(image: string): Promise<string | undefined> {
  const result = await runDocker(['image', 'inspect', '--format', `{{index .Config.Labels "${BASE_IMAGE_LABEL}"}}`, image]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

async function imageId(image: string): Promise<string | undefined> {
  const result = await runDocker(['image', 'inspect', '--format', '{{.Id}}', image]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

function hashOf(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify({ recipe: RECIPE_VERSION, ...(value as object) }))
    .digest('hex')
    .slice(0, 16);
}

// ---------------------------------------------------------------------------------------------
// node:20-slim

async function nodeRecipe(): Promise<Recipe> {
  const binary = await realpath(process.execPath);
  const npm = await findNpm(binary);
  const npmVersion = (JSON.parse(await readFile(path.join(npm, 'package.json'), 'utf8')) as { version: string }).version;
  const hash = hashOf({ kind: 'node', node: process.version, npm: npmVersion });
  return {
    image: 'node:20-slim',
    hash,
    source: `the host's Node.js ${process.version} (${binary}, npm ${npmVersion})`,
    async assemble(rootfs, log) {
      if (!process.version.startsWith('v20.'))
        log(`base image node:20-slim: note: the host's Node.js is ${process.version}, not 20; the image carries ${process.version}`);
      await rootfs.copyFile(binary, '/usr/local/bin/node');
      await rootfs.copyTree(npm, '/usr/local/lib/node_modules/npm', (rel) => !/^(docs|man)(\/|$)/.test(rel));
      await rootfs.link('../lib/node_modules/npm/bin/npm-cli.js', '/usr/local/bin/npm');
      await rootfs.link('../lib/node_modules/npm/bin/npx-cli.js', '/usr/local/bin/npx');
      await rootfs.addBasics();
      await rootfs.addLibrariesOf(['/usr/local/bin/node']);
      return [
        `ENV ${PATH_ENV}`,
        `ENV NODE_VERSION=${process.version.slice(1)}`,
        // npm inside `docker build --network host` trusts what the host trusts (Node's own bundle does not include local CAs).
        `ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`,
        'CMD ["node"]',
      ];
    },
  };
}

async function findNpm(nodeBinary: string): Promise<string> {
  const candidates = [
    path.join(path.dirname(nodeBinary), '..', 'lib', 'node_modules', 'npm'),
    '/usr/lib/node_modules/npm',
    '/usr/local/lib/node_modules/npm',
    '/usr/share/nodejs/npm',
  ];
  for (const candidate of candidates) if (existsSync(path.join(candidate, 'bin', 'npm-cli.js'))) return realpath(candidate);
  throw new Error(`testkit: cannot build node:20-slim: npm was not found next to ${nodeBinary} (looked in ${candidates.join(', ')})`);
}

// ---------------------------------------------------------------------------------------------
// python:3.11-slim

interface HostPython {
  version: string;
  executable: string;
  prefix: string;
  stdlib: string;
  purelib: string;
  libdir: string;
  /** The runtime name of libpython (INSTSONAME) when Python is built shared, else ''. */
  soname: string;
  pip: { version: string; dir: string; distInfo: string };
}

const PROBE = `
import importlib.metadata as md, importlib.util, json, os, platform, sys, sysconfig
dist = md.distribution('pip')
pip = importlib.util.find_spec('pip')
print(json.dumps({
  'version': platform.python_version(),
  'executable': os.path.realpath(sys.executable),
  'prefix': sys.base_prefix,
  'stdlib': sysconfig.get_path('stdlib'),
  'purelib': sysconfig.get_path('purelib'),
  'libdir': sysconfig.get_config_var('LIBDIR') or '',
  'soname': sysconfig.get_config_var('INSTSONAME') if sysconfig.get_config_var('Py_ENABLE_SHARED') else '',
  'pip': {'version': dist.version, 'dir': os.path.dirname(pip.origin), 'distInfo': str(dist._path)},
}))
`;

/**
 * A host Python 3.11 with the CPython layout of `<prefix>/lib/python3.11` (pyenv, a source build,
 * a setup-python toolcache; Debian's python3 is not one: its stdlib and pip are split across
 * /usr/lib/python3.11 and dist-packages) and pip. `MXN_BASE_PYTHON` names one explicitly.
 */
async function findHostPython(): Promise<HostPython> {
  const home = process.env.HOME ?? '/root';
  const globbed = (dir: string, pattern: RegExp, tail: string) =>
    existsSync(dir)
      ? readdirSafe(dir)
          .filter((name) => pattern.test(name))
          .sort()
          .reverse()
          .map((name) => path.join(dir, name, tail))
      : [];
  const candidates = [
    ...(process.env.MXN_BASE_PYTHON ? [process.env.MXN_BASE_PYTHON] : []),
    'python3.11',
    'python3',
    'python',
    ...globbed(path.join(process.env.PYENV_ROOT ?? path.join(home, '.pyenv'), 'versions'), /^3\.11\.\d+$/, 'bin/python3.11'),
    '/usr/local/bin/python3.11',
    ...globbed('/opt/hostedtoolcache/Python', /^3\.11\.\d+$/, 'x64/bin/python3.11'),
  ];
  const rejected: string[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const output = await capture(candidate, ['-c', PROBE]).catch(() => undefined);
    if (output === undefined) continue;
    const info = JSON.parse(output) as HostPython;
    if (seen.has(info.executable)) continue;
    seen.add(info.executable);
    const why = !info.version.startsWith('3.11.')
      ? `is Python ${info.version}`
      : path.resolve(info.stdlib) !== path.join(info.prefix, 'lib', 'python3.11')
        ? `keeps its stdlib in ${info.stdlib}, not in ${info.prefix}/lib/python3.11`
        : path.resolve(info.purelib) !== path.join(info.prefix, 'lib', 'python3.11', 'site-packages') ||
            path.dirname(path.resolve(info.pip.dir)) !== path.resolve(info.purelib)
          ? `installs packages in ${info.purelib} and has pip in ${info.pip.dir}, not in ${info.prefix}/lib/python3.11/site-packages`
          : undefined;
    if (why === undefined) return info;
    rejected.push(`${candidate} ${why}`);
  }
  throw new Error(
    `testkit: cannot build python:3.11-slim: no host Python 3.11 with pip and a <prefix>/lib/python3.11 layout ` +
      `(pyenv install 3.11, or set MXN_BASE_PYTHON)${rejected.length ? `; ${rejected.join('; ')}` : ''}`,
  );
}

async function pythonRecipe(root: string): Promise<Recipe> {
  const python = await findHostPython();
  const { pins, files } = await pythonRequirements(root);
  const hash = hashOf({ kind: 'python', python: python.version, pip: python.pip.version, pins });
  const from = files.length ? files.map((file) => path.relative(root, file)).join(', ') : 'the fallback pins';
  return {
    image: 'python:3.11-slim',
    hash,
    source:
      `the host's Python ${python.version} (${python.executable}, pip ${python.pip.version}) ` +
      `with ${pins.join(' ') || 'no packages'} (from ${from})`,
    async assemble(rootfs, log) {
      const lib = '/usr/local/lib/python3.11';
      await rootfs.copyFile(python.executable, '/usr/local/bin/python3.11');
      await rootfs.link('python3.11', '/usr/local/bin/python3');
      await rootfs.link('python3', '/usr/local/bin/python');
      if (python.soname) await rootfs.copyFile(path.join(python.libdir, python.soname), `/usr/local/lib/${python.soname}`);
      await rootfs.copyTree(python.stdlib, lib, keepStdlibFile);
      await rootfs.copyTree(python.pip.dir, `${lib}/site-packages/pip`, keepPackageFile);
      await rootfs.copyTree(python.pip.distInfo, `${lib}/site-packages/${path.basename(python.pip.distInfo)}`);
      // pyenv and source builds keep debug info (libpython: 23 MB with it, 6 MB without); wheels' libraries are left alone.
      await rootfs.stripDebugInfo([
        '/usr/local/bin/python3.11',
        ...(python.soname ? [`/usr/local/lib/${python.soname}`] : []),
        `${lib}/lib-dynload`,
      ]);
      for (const name of ['pip', 'pip3', 'pip3.11']) {
        await rootfs.writeFile(
          `/usr/local/bin/${name}`,
          '#!/usr/local/bin/python3.11\nimport sys\nfrom pip._internal.cli.main import main\n' +
            'if __name__ == "__main__":\n    sys.exit(main())\n',
          0o755,
        );
      }
      if (pins.length > 0) {
        log(`base image python:3.11-slim: pip install ${pins.join(' ')} (binary wheels, on the host)`);
        await capture(
          python.executable,
          [
            '-m',
            'pip',
            'install',
            '--prefix',
            rootfs.path('/usr/local'),
            '--ignore-installed',
            '--only-binary=:all:',
            '--no-warn-script-location',
            '--disable-pip-version-check',
            '--no-input',
            '--retries',
            '1',
            '--quiet',
            ...pins,
          ],
          { PIP_ROOT_USER_ACTION: 'ignore' },
        );
        // Packages' test suites go, except those that code outside them imports (numpy.testing imports numpy/_core/tests);
        // so do headers, Cython sources and static libraries.
        const imported = await importedTestPackages(rootfs.path(`${lib}/site-packages`));
        if (imported.size > 0)
          log(`base image python:3.11-slim: keeping the test packages other code imports: ${[...imported].sort().join(', ')}`);
        await rootfs.prune(`${lib}/site-packages`, (rel, isDir) => {
          if (!isDir) return /\.(h|hpp|pxd|pyx|pxi|a)$/.test(rel);
          if (/(^|\/)tests\/(.*\/)?__pycache__$/.test(rel)) return true;
          return /(^|\/)tests$/.test(rel) && !imported.has(rel.replace(/\//g, '.'));
        });
        await rootfs.fixShebangs('/usr/local/bin', '#!/usr/local/bin/python3.11');
      }
      await rootfs.addBasics();
      await rootfs.addLibrariesOf(['/usr/local/bin/python3.11', `${lib}/lib-dynload`, `${lib}/site-packages`]);
      const changes = [
        `ENV ${PATH_ENV}`,
        'ENV LANG=C.UTF-8',
        `ENV PYTHON_VERSION=${python.version}`,
        'ENV PIP_DISABLE_PIP_VERSION_CHECK=1',
        'ENV PIP_ROOT_USER_ACTION=ignore',
        'CMD ["python3"]',
      ];
      // libpython lives in /usr/local/lib, found through ld.so.cache; without root to write one, through LD_LIBRARY_PATH.
      if (python.soname && !(await rootfs.ldconfig())) changes.push('ENV LD_LIBRARY_PATH=/usr/local/lib');
      return changes;
    },
  };
}

/**
 * The `tests` packages (as dotted names: `numpy._core.tests`) that modules outside any `tests`
 * folder import, absolutely or relatively, under `sitePackages`.
 */
async function importedTestPackages(sitePackages: string): Promise<Set<string>> {
  const imported = new Set<string>();
  const walk = async (dir: string, dotted: string[]): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (entry.name !== 'tests' && entry.name !== '__pycache__') await walk(path.join(dir, entry.name), [...dotted, entry.name]);
        continue;
      }
      if (!entry.name.endsWith('.py')) continue;
      const text = await readFile(path.join(dir, entry.name), 'utf8');
      if (!text.includes('tests')) continue;
      // `import a.tests.x`, `from a.tests.x import y`, `from ..tests import y`, `from a import tests`
      for (const match of text.matchAll(/^[ \t]*(?:import[ \t]+([\w.]+)|from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+([^\n#]*))/gm)) {
        const dots = match[2]?.length ?? 0;
        const name = match[1] ?? match[3] ?? '';
        const module = dots === 0 ? name : [...dotted.slice(0, dotted.length - (dots - 1)), ...(name ? [name] : [])].join('.');
        const names = (match[4] ?? '').split(/[\s,()]+/);
        for (const candidate of names.includes('tests') ? [module, `${module}.tests`] : [module]) {
          const parts = candidate.split('.');
          const at = parts.indexOf('tests');
          if (at > 0) imported.add(parts.slice(0, at + 1).join('.'));
        }
      }
    }
  };
  await walk(sitePackages, []);
  return imported;
}

/** The stdlib without what the official slim image also drops: tests, IDLE, Tk, build config, bytecode. */
function keepStdlibFile(rel: string): boolean {
  if (/^(site-packages|test|idlelib|tkinter|turtledemo|config-3\.11[^/]*)(\/|$)/.test(rel)) return false;
  if (/^lib-dynload\/_tkinter/.test(rel)) return false;
  return keepPackageFile(rel) && !/(^|\/)(tests?|idle_test)(\/|$)/.test(rel);
}

function keepPackageFile(rel: string): boolean {
  return !/(^|\/)__pycache__(\/|$)/.test(rel) && !/\.(pyc|a)$/.test(rel);
}

// ---------------------------------------------------------------------------------------------
// The root filesystem being assembled

class RootFs {
  private readonly copiedLibraries = new Set<string>();

  constructor(readonly dir: string) {}

  /** Host-absolute `inside` (e.g. /usr/local/bin/node) → the staging path. */
  path(inside: string): string {
    return path.join(this.dir, inside);
  }

  /** A merged-/usr skeleton: /bin, /lib, /lib64 and /sbin link into /usr, as on Debian 12. */
  async init(): Promise<void> {
    for (const dir of [
      'usr/bin',
      'usr/sbin',
      'usr/lib',
      'usr/lib64',
      'usr/local/bin',
      'usr/local/lib',
      'etc/ssl/certs',
      'root',
      'tmp',
      'var/tmp',
      'proc',
      'sys',
      'dev',
    ]) {
      await mkdir(path.join(this.dir, dir), { recursive: true });
    }
    for (const dir of ['bin', 'sbin', 'lib', 'lib64']) await symlink(`usr/${dir}`, path.join(this.dir, dir));
    await chmod(path.join(this.dir, 'tmp'), 0o1777);
    await chmod(path.join(this.dir, 'var/tmp'), 0o1777);
    await chmod(path.join(this.dir, 'root'), 0o700);
  }

  /** Copies a host file (following links) to `inside`, keeping its mode. */
  async copyFile(host: string, inside: string): Promise<void> {
    const target = this.path(inside);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(host, target);
    await chmod(target, (await stat(host)).mode & 0o7777);
  }

  /** Copies a host folder; `keep` sees paths relative to `host`. Links inside are kept as they are. */
  async copyTree(host: string, inside: string, keep: (rel: string) => boolean = () => true): Promise<void> {
    await cp(host, this.path(inside), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (source) => {
        const rel = path.relative(host, source);
        return rel === '' || keep(rel.split(path.sep).join('/'));
      },
    });
  }

  async link(target: string, inside: string): Promise<void> {
    await mkdir(path.dirname(this.path(inside)), { recursive: true });
    await rm(this.path(inside), { force: true });
    await symlink(target, this.path(inside));
  }

  async writeFile(inside: string, content: string, mode = 0o644): Promise<void> {
    await mkdir(path.dirname(this.path(inside)), { recursive: true });
    await writeFile(this.path(inside), content);
    await chmod(this.path(inside), mode);
  }

  /** Removes what `drop(rel, isDirectory)` names under `inside`. */
  async prune(inside: string, drop: (rel: string, isDirectory: boolean) => boolean): Promise<void> {
    const base = this.path(inside);
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        const rel = path.relative(base, full).split(path.sep).join('/');
        if (drop(rel, entry.isDirectory())) await rm(full, { recursive: true, force: true });
        else if (entry.isDirectory()) await walk(full);
      }
    };
    await walk(base);
  }

  /** Points `#!` lines that name a host interpreter (scripts pip wrote) at `shebang`. */
  async fixShebangs(inside: string, shebang: string): Promise<void> {
    for (const entry of await readdir(this.path(inside), { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(this.path(inside), entry.name);
      const text = await readFile(file, 'latin1');
      if (text.startsWith('#!') && /python/.test(text.slice(0, text.indexOf('\n'))) && !text.startsWith(`${shebang}\n`)) {
        await writeFile(file, shebang + text.slice(text.indexOf('\n')), 'latin1');
      }
    }
  }

  /**
   * /bin/sh (the host's, for Dockerfile RUN lines), a few core tools (env for npm's `#!/usr/bin/env
   * node`), users, name lookup, CA certificates, the loader's config.
   */
  async addBasics(): Promise<void> {
    const sh = await realpath('/bin/sh');
    await this.copyFile(sh, `/usr/bin/${path.basename(sh)}`);
    if (path.basename(sh) !== 'sh') await this.link(path.basename(sh), '/usr/bin/sh');
    const tools: string[] = [];
    for (const tool of BASIC_TOOLS) {
      const host = ['/usr/bin', '/bin'].map((dir) => path.join(dir, tool)).find((file) => existsSync(file));
      if (!host) continue;
      await this.copyFile(await realpath(host), `/usr/bin/${tool}`);
      tools.push(`/usr/bin/${tool}`);
    }
    await this.writeFile('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
    await this.writeFile('/etc/group', 'root:x:0:\nnogroup:x:65534:\n');
    await this.writeFile('/etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n');
    await this.writeFile('/etc/ld.so.conf', '/usr/local/lib\n/usr/local/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n/usr/lib\n');
    if (existsSync(CA_BUNDLE)) {
      await this.copyFile(CA_BUNDLE, CA_BUNDLE);
      await this.link(CA_BUNDLE, '/usr/lib/ssl/cert.pem'); // OpenSSL's default places on Debian
      await this.link('/etc/ssl/certs', '/usr/lib/ssl/certs');
    }
    await this.addLibrariesOf([`/usr/bin/${path.basename(sh)}`, ...tools]);
  }

  /** Copies the shared libraries (and the loader) that the ELF files at or under `insides` need from the host. */
  async addLibrariesOf(insides: string[]): Promise<void> {
    const files: string[] = [];
    for (const inside of insides) await collectElfCandidates(this.path(inside), files);
    const needed = new Set<string>();
    for (let i = 0; i < files.length; i += 100) {
      const output = await capture('ldd', files.slice(i, i + 100), {}, true);
      for (const line of output.split('\n')) {
        const match = /=>\s+(\/\S+)/.exec(line) ?? /^\s+(\/\S+)\s+\(0x/.exec(line);
        // Skip what the image carries itself: bundled libraries (found through $ORIGIN) and
        // /usr/local/lib (libpython, found on the host through an RPATH).
        if (match?.[1] && !match[1].startsWith(this.dir + path.sep) && !existsSync(this.path(`/usr/local/lib/${path.basename(match[1])}`)))
          needed.add(match[1]);
      }
    }
    for (const host of needed) {
      if (this.copiedLibraries.has(host)) continue;
      this.copiedLibraries.add(host);
      if (!existsSync(this.path(host))) await this.copyFile(host, host); // written through the rootfs's own /lib → usr/lib links
    }
  }

  /** `strip --strip-debug` on the ELF files at or under `insides`, when binutils is installed (only smaller images are at stake). */
  async stripDebugInfo(insides: string[]): Promise<void> {
    const files: string[] = [];
    for (const inside of insides) await collectElfCandidates(this.path(inside), files);
    if (files.length > 0) await capture('strip', ['--strip-debug', ...files]).catch(() => undefined);
  }

  /** Writes etc/ld.so.cache with the host's ldconfig; false when that is not possible (it needs root for chroot). */
  async ldconfig(): Promise<boolean> {
    for (const binary of ['/sbin/ldconfig', '/usr/sbin/ldconfig']) {
      if (!existsSync(binary)) continue;
      return capture(binary, ['-r', this.dir]).then(
        () => true,
        () => false,
      );
    }
    return false;
  }
}

async function collectElfCandidates(target: string, into: string[]): Promise<void> {
  const info = await stat(target).catch(() => undefined);
  if (!info) return;
  if (info.isFile()) {
    if (await isElf(target)) into.push(target);
    return;
  }
  if (!info.isDirectory()) return;
  for (const entry of await readdir(target, { withFileTypes: true })) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) await collectElfCandidates(full, into);
    else if (entry.isFile() && /\.so(\.|$)/.test(entry.name) && (await isElf(full))) into.push(full);
  }
}

async function isElf(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.toString('latin1') === '\x7fELF';
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Runs a command, resolving its stdout; rejects on a non-zero exit (unless `anyExit`) with the end of its stderr. */
function capture(command: string, args: string[], env: NodeJS.ProcessEnv = {}, anyExit = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 || anyExit) resolve(stdout);
      else
        reject(new Error(`testkit: ${path.basename(command)} ${args.slice(0, 4).join(' ')} … exited with ${code}: ${lastLines(stderr)}`));
    });
  });
}

function lastLines(text: string): string {
  return text
    .trim()
    .split('\n')
    .filter((line) => !/^WARNING: (Retrying|Location)/.test(line))
    .slice(-6)
    .join(' | ');
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The repository root: the nearest folder above the working directory (or this module) with `models/` and a package.json. */
function findRepoRoot(): string {
  const starts = [process.cwd(), path.dirname(fileURLToPath(import.meta.url))];
  for (const start of starts) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, 'models')) && existsSync(path.join(dir, 'package.json'))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  return process.cwd();
}

// ---------------------------------------------------------------------------------------------
// The lock that makes concurrent callers build once

const LOCK_HEARTBEAT_MS = 5_000;
const LOCK_STALE_MS = 60_000;
const LOCK_WAIT_MS = 20 * 60_000;

/** Runs `work` holding `file` (created with O_EXCL); waits while another live process holds it, breaks a stale one. Exported for tests. */
export async function withLock<T>(file: string, log: (line: string) => void, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      const handle = await open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await lockIsStale(file)) {
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(
        `testkit: waited ${LOCK_WAIT_MS / 60_000} min for ${file} (another process building base images); ` +
          `remove it if no such process runs`,
      );
    if (!announced) log(`base images: waiting for another process that is building them (${file})`);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => undefined);
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    await rm(file, { force: true });
  }
}

/** Stale: its holder (on this host) is gone, or it has not been touched for a minute. */
async function lockIsStale(file: string): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  if (!info) return false; // released meanwhile: try again
  if (Date.now() - info.mtimeMs > LOCK_STALE_MS) return true;
  const holder = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as { pid?: number; host?: string },
    () => undefined,
  );
  if (!holder?.pid || holder.host !== hostname()) return false; // being written, or another host's
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
