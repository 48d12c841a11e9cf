export {
  EXIT_CODES,
  MxnError,
  describeError,
  exitCodeOf,
  formatErrorLines,
  type ErrorDescription,
  type ExitClass,
  type MxnErrorCode,
  type MxnErrorOptions,
} from './errors.js';
