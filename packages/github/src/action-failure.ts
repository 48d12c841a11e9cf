import { describeError, formatErrorLines, type ExitClass } from '@mxn/errors';
import { redactStepText } from './redact-results.js';

/** The part of `@actions/core` an action fails through. */
export interface ActionFailureSink {
  /** Marks the step failed with one error annotation (`core.setFailed`). */
  setFailed(message: string): void;
  /** Shown only with step debug logging on (`core.debug`): the stack and the causes. */
  debug?(message: string): void;
}

/**
 * How every action ends on an error: one failed-step annotation holding `<name>: <message>` and,
 * on its second line, `hint: …` when the error has one (GitHub shows both on the run's summary
 * page and in the log); the stack and causes go to the debug log, both through the one redactor.
 * Returns the error's exit class (the one mapping of @mxn/errors), e.g. for a caller that reports
 * `cancelled` differently.
 */
export function failAction(error: unknown, name: string, sink: ActionFailureSink): ExitClass {
  const { message, hint, exitClass } = describeError(error);
  sink.setFailed(redactStepText(`${name}: ${message}${hint ? `\nhint: ${hint}` : ''}`));
  if (sink.debug) {
    const detail = formatErrorLines(error, { verbose: true }).slice(formatErrorLines(error).length);
    if (detail.length > 0) sink.debug(redactStepText(detail.join('\n')));
  }
  return exitClass;
}
