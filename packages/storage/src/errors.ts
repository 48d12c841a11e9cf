import { MxnError, type ExitClass } from '@mxn/errors';

export type StoreErrorCode =
  | 'NotFound'
  | 'AccessDenied'
  | 'InvalidUri'
  | 'InvalidKey'
  | 'Unsupported'
  | 'Integrity'
  | 'Transient'
  | 'Failed';

/**
 * The exit class of each store code: the input is wrong (it does not exist, may not be read, is
 * not a URI or key, asks for what the store cannot do) or something failed on the way.
 */
const STORE_EXIT_CLASSES: Readonly<Record<StoreErrorCode, ExitClass>> = {
  NotFound: 'input',
  AccessDenied: 'input',
  InvalidUri: 'input',
  InvalidKey: 'input',
  Unsupported: 'input',
  Integrity: 'failure',
  Transient: 'failure',
  Failed: 'failure',
};

/**
 * An error raised by a Store driver. `message` (and `hint`) are safe to show: they never hold a
 * secret. `exitClass` follows the code unless the thrower says otherwise (a copy whose objects
 * failed one by one is a `failure`, whatever the first failure's code).
 */
export class StoreError extends MxnError {
  override readonly name = 'StoreError';
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options: { cause?: unknown; hint?: string | undefined; exitClass?: ExitClass } = {}) {
    super(code, `store: ${message}`, { ...options, exitClass: options.exitClass ?? STORE_EXIT_CLASSES[code] });
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof StoreError && error.code === 'NotFound';
}
