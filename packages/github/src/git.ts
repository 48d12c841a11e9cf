/** Runs git in a checkout; failures become GitHubLoopError('Git') with git's last line. */
import { execFile } from 'node:child_process';
import { GitHubLoopError } from './errors.js';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function git(cwd: string, args: string[], options: { check?: boolean } = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
        if (code !== 0 && options.check !== false) {
          reject(new GitHubLoopError('Git', `git ${args[0]} failed: ${stderr.trim().split('\n').pop() ?? ''}`, { cause: error }));
          return;
        }
        resolve({ code, stdout, stderr });
      },
    );
  });
}
