// The one rule for where results may be pushed: never a pull request's default or base branch, nor a fork.
import { describe, expect, it } from 'vitest';
import { commitTarget } from './commit-target.js';
import type { PullRequestInfo } from './event-context.js';

const pr = (over: Partial<PullRequestInfo> = {}): PullRequestInfo => ({
  number: 7,
  headRef: 'exp',
  headSha: 'a'.repeat(40),
  baseRef: 'main',
  fromFork: false,
  trusted: true,
  ...over,
});

describe('commitTarget', () => {
  it("pushes a same-repository pull request's results to its head branch", () => {
    expect(commitTarget({ pullRequest: pr(), defaultBranch: 'main' })).toEqual({ branch: 'exp' });
    expect(commitTarget({ pullRequest: pr(), defaultBranch: 'main' }, 'results')).toEqual({ branch: 'results' });
  });

  it('refuses the default branch as a pull request head, even when the base is another branch', () => {
    const target = commitTarget({ pullRequest: pr({ headRef: 'main', baseRef: 'release' }), defaultBranch: 'main' });
    expect(target.branch).toBeUndefined();
    expect(target.refused).toBe("main is the repository's default branch, which a pull request never pushes results to");
  });

  it('refuses a head that equals the base branch, and a branch input naming the default or base branch', () => {
    expect(commitTarget({ pullRequest: pr({ headRef: 'release', baseRef: 'release' }), defaultBranch: 'main' }).refused).toMatch(
      /^release is the pull request's base branch/,
    );
    expect(commitTarget({ pullRequest: pr(), defaultBranch: 'main' }, 'main').refused).toMatch(/^main is the repository's default/);
    expect(commitTarget({ pullRequest: pr({ baseRef: 'dev' }), defaultBranch: 'main' }, 'dev').refused).toMatch(/^dev is the pull/);
  });

  it('refuses every branch of a fork, and a pull request whose event names no default branch', () => {
    expect(commitTarget({ pullRequest: pr({ fromFork: true, trusted: false }), defaultBranch: 'main' }, 'exp').refused).toMatch(
      /from a fork/,
    );
    expect(commitTarget({ pullRequest: pr() }).refused).toMatch(/names no default branch/);
    // a same-repository pull request by an author without write access: nothing pushed either
    expect(commitTarget({ pullRequest: pr({ trusted: false }), defaultBranch: 'main' }).refused).toMatch(/untrusted/);
  });

  it('lets a run started by hand commit to the branch it was dispatched on, the default branch too', () => {
    expect(commitTarget({ refName: 'main', defaultBranch: 'main' })).toEqual({ branch: 'main' });
    expect(commitTarget({ refName: 'main', defaultBranch: 'main' }, 'results')).toEqual({ branch: 'results' });
    expect(commitTarget({}).refused).toMatch(/no branch/);
  });
});
