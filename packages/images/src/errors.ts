/** Errors of the image path; `code` says which step failed, the message starts with `images:`. */
export type ImagesErrorCode = 'RegistryAuth' | 'Registry' | 'Build' | 'Pack' | 'Push' | 'Pull' | 'Engine';

export class ImagesError extends Error {
  override readonly name = 'ImagesError';
  constructor(
    readonly code: ImagesErrorCode,
    message: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(`images: ${message}`, options);
    this.hint = options?.hint;
  }
  readonly hint: string | undefined;
}
