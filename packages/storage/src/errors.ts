export type StoreErrorCode = 'NotFound' | 'AccessDenied' | 'InvalidUri' | 'InvalidKey' | 'Unsupported' | 'Integrity' | 'Transient' | 'Failed';

/** An error raised by a Store driver. `message` is safe to show: it never holds a secret. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`store: ${message}`, options);
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof StoreError && error.code === 'NotFound';
}
