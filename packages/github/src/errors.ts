/** Errors of the GitHub loop; `code` says which part failed, the message starts with `github:`. */
export type GitHubLoopErrorCode = 'Api' | 'Git' | 'Event' | 'Usage';

export class GitHubLoopError extends Error {
  override readonly name = 'GitHubLoopError';
  constructor(
    readonly code: GitHubLoopErrorCode,
    message: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(`github: ${message}`, options);
    this.hint = options?.hint;
  }
  readonly hint: string | undefined;
}
