import { MxnError, type ExitClass } from '@mxn/errors';

/** Errors of the GitHub loop; `code` says which part failed, the message starts with `github:`. */
export type GitHubLoopErrorCode = 'Api' | 'Git' | 'Event' | 'Usage';

/**
 * `input` for an action used wrongly (`Usage`: no token, …) or run where its event or environment
 * is missing (`Event`); `failure` when the API or git failed on the way.
 */
const GITHUB_EXIT_CLASSES: Readonly<Record<GitHubLoopErrorCode, ExitClass>> = {
  Api: 'failure',
  Git: 'failure',
  Event: 'input',
  Usage: 'input',
};

export class GitHubLoopError extends MxnError {
  override readonly name = 'GitHubLoopError';
  declare readonly code: GitHubLoopErrorCode;
  constructor(code: GitHubLoopErrorCode, message: string, options: { cause?: unknown; hint?: string | undefined } = {}) {
    super(code, `github: ${message}`, { ...options, exitClass: GITHUB_EXIT_CLASSES[code] });
  }
}
