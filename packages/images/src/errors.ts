import { MxnError, type ExitClass } from '@mxn/errors';

/** Errors of the image path; `code` says which step failed, the message starts with `images:`. */
export type ImagesErrorCode = 'RegistryAuth' | 'Registry' | 'Build' | 'Pack' | 'Push' | 'Pull' | 'Engine' | 'Config';

/**
 * `input` where the user can fix what they gave: credentials the registry refuses or that are
 * missing (`RegistryAuth`), no container engine to run (`Engine`), missing configuration such as
 * no registry to push to (`Config`); `failure` where a step failed on the way.
 */
const IMAGES_EXIT_CLASSES: Readonly<Record<ImagesErrorCode, ExitClass>> = {
  RegistryAuth: 'input',
  Registry: 'failure',
  Build: 'failure',
  Pack: 'failure',
  Push: 'failure',
  Pull: 'failure',
  Engine: 'input',
  Config: 'input',
};

export class ImagesError extends MxnError {
  override readonly name = 'ImagesError';
  declare readonly code: ImagesErrorCode;
  constructor(code: ImagesErrorCode, message: string, options: { cause?: unknown; hint?: string | undefined } = {}) {
    super(code, `images: ${message}`, { ...options, exitClass: IMAGES_EXIT_CLASSES[code] });
  }
}
