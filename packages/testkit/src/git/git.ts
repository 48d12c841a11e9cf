/** Git for tests: commands as a fixed author and committer, and a bare origin with a clone of it. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Runs `git <args>` in `cwd` as a fixed author and committer (no git config needed); returns its output, trimmed. */
export const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'dev', GIT_AUTHOR_EMAIL: 'd@e.x', GIT_COMMITTER_NAME: 'dev', GIT_COMMITTER_EMAIL: 'd@e.x' },
  }).trim();

/** A fresh temp folder `dir` (named from `prefix`) holding a bare `origin.git`, and its clone `work`. */
export interface GitOrigin {
  dir: string;
  origin: string;
  work: string;
}

/** A bare repository with one commit (a README) on `branch`, pushed from its clone `work`, which stays on that commit. */
export async function gitOrigin(branch: string, prefix = 'mxn-git-'): Promise<GitOrigin> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const origin = path.join(dir, 'origin.git');
  const work = path.join(dir, 'work');
  git(dir, 'init', '--quiet', '--bare', `--initial-branch=${branch}`, origin);
  git(dir, 'clone', '--quiet', origin, work);
  await writeFile(path.join(work, 'README.md'), 'x\n');
  git(work, 'add', '.');
  git(work, 'commit', '--quiet', '-m', 'start');
  git(work, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
  return { dir, origin, work };
}
