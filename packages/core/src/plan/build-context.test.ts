import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearBuildContextHashes, hashBuildContext } from './build-context.js';

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mxn-ctx-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

describe('hashBuildContext', () => {
  it('depends on file content and names, not on the folder location', async () => {
    const a = await folder({ Dockerfile: 'FROM x', 'train.js': 'one' });
    const b = await folder({ Dockerfile: 'FROM x', 'train.js': 'one' });
    const c = await folder({ Dockerfile: 'FROM x', 'train.js': 'two' });
    const d = await folder({ Dockerfile: 'FROM x', 'fit.js': 'one' });
    expect(await hashBuildContext(a)).toBe(await hashBuildContext(b));
    expect(await hashBuildContext(a)).not.toBe(await hashBuildContext(c));
    expect(await hashBuildContext(a)).not.toBe(await hashBuildContext(d));
  });

  it('honours .dockerignore, including exceptions', async () => {
    const base = { Dockerfile: 'FROM x', '.dockerignore': 'notes/\n*.log\n!keep.log\n', 'train.js': 'one' };
    const plain = await hashBuildContext(await folder(base));
    expect(await hashBuildContext(await folder({ ...base, 'notes/a.md': 'x', 'debug.log': 'y' }))).toBe(plain);
    expect(await hashBuildContext(await folder({ ...base, 'keep.log': 'z' }))).not.toBe(plain);
  });

  it('sees edits after the memo is cleared', async () => {
    const dir = await folder({ Dockerfile: 'FROM x' });
    const before = await hashBuildContext(dir);
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM y');
    clearBuildContextHashes();
    expect(await hashBuildContext(dir)).not.toBe(before);
  });

  it('covers the workspace packages a model depends on (their sources, not builds or turbo logs), not registry packages', async () => {
    const workspace = await folder({ 'package.json': '{"name":"kit"}', 'src/index.js': 'v1', 'dist/index.js': 'built' });
    const model = await folder({ Dockerfile: 'FROM x', 'package.json': '{"dependencies":{"kit":"*","lib":"^1"}}' });
    const { symlink, mkdir: makeDir } = await import('node:fs/promises');
    await makeDir(path.join(model, 'node_modules', 'lib'), { recursive: true });
    await symlink(workspace, path.join(model, 'node_modules', 'kit'));
    await writeFile(path.join(model, 'node_modules', 'lib', 'index.js'), 'lib');
    const before = await hashBuildContext(model);

    await writeFile(path.join(workspace, 'dist', 'index.js'), 'rebuilt, same sources');
    await makeDir(path.join(workspace, '.turbo'), { recursive: true });
    await writeFile(path.join(workspace, '.turbo', 'turbo-build.log'), '> kit build\nerror TS2304: every build rewrites this log');
    await writeFile(path.join(model, 'node_modules', 'lib', 'index.js'), 'lib, patched in place');
    clearBuildContextHashes();
    expect(await hashBuildContext(model)).toBe(before);

    await writeFile(path.join(workspace, 'src', 'index.js'), 'v2');
    clearBuildContextHashes();
    expect(await hashBuildContext(model)).not.toBe(before);
  });
});

describe('hashBuildContext with hostile links', () => {
  it('hashes no dependency that links outside a package of its name (`/`), and survives a broken package.json', async () => {
    const model = await folder({ Dockerfile: 'FROM x', 'package.json': '{"dependencies":{"everything":"*"}}' });
    const plain = await hashBuildContext(model);
    const { symlink, mkdir: makeDir } = await import('node:fs/promises');
    await makeDir(path.join(model, 'node_modules'), { recursive: true });
    await symlink('/', path.join(model, 'node_modules', 'everything'));
    clearBuildContextHashes();
    const started = Date.now();
    expect(await hashBuildContext(model)).toBe(plain);
    expect(Date.now() - started).toBeLessThan(2000);

    const broken = await folder({ Dockerfile: 'FROM x', 'package.json': '{"dependencies": {' });
    await expect(hashBuildContext(broken)).resolves.toMatch(/^[0-9a-f]{64}$/);
  });
});
