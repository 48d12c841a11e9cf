// commitResults against a local bare repository: the push goes through only while the branch still
// points at the commit the run checked out.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitResults } from './commit-results.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'dev', GIT_AUTHOR_EMAIL: 'd@e.x', GIT_COMMITTER_NAME: 'dev', GIT_COMMITTER_EMAIL: 'd@e.x' },
  }).trim();

async function setup() {
  const dir = await mkdtemp(path.join(tmpdir(), 'mxn-commit-'));
  const origin = path.join(dir, 'origin.git');
  const work = path.join(dir, 'work');
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=exp', origin);
  git(dir, 'clone', '--quiet', origin, work);
  await writeFile(path.join(work, 'README.md'), 'x\n');
  git(work, 'add', '.');
  git(work, 'commit', '--quiet', '-m', 'start');
  git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/exp');
  const planned = git(work, 'rev-parse', 'HEAD');
  // the runner checks out the planned sha (detached), and writes the results
  git(work, 'checkout', '--quiet', '--detach', planned);
  await mkdir(path.join(work, 'results/demo'), { recursive: true });
  await writeFile(path.join(work, 'results/demo/results.json'), '{"v":1}\n');
  await writeFile(path.join(work, 'results/demo/summary.md'), '# demo\n');
  return { dir, origin, work, planned };
}

describe('commitResults with expectedHead', () => {
  it('pushes the results on top of the planned commit while the branch still points at it', async () => {
    const { origin, work, planned } = await setup();
    const result = await commitResults({ cwd: work, experiment: 'demo', branch: 'exp', expectedHead: planned });
    expect(result).toMatchObject({ committed: true });
    expect(git(origin, 'rev-parse', 'exp')).toBe(result.sha);
    expect(git(origin, 'rev-parse', 'exp^')).toBe(planned);
  });

  it('pushes nothing when the branch has moved since the planned commit', async () => {
    const { dir, origin, work, planned } = await setup();
    const other = path.join(dir, 'other');
    git(dir, 'clone', '--quiet', '--branch', 'exp', origin, other);
    await writeFile(path.join(other, 'README.md'), 'a newer push\n');
    git(other, 'commit', '--quiet', '-am', 'newer');
    git(other, 'push', '--quiet', 'origin', 'exp');
    const moved = git(origin, 'rev-parse', 'exp');
    const result = await commitResults({ cwd: work, experiment: 'demo', branch: 'exp', expectedHead: planned });
    expect(result).toMatchObject({ committed: false, skipped: 'branch-moved' });
    expect(git(origin, 'rev-parse', 'exp')).toBe(moved);
  });
});
