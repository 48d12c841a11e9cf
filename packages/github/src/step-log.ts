/**
 * The one place the GitHub steps write log lines. A line can hold user strings (cell ids, param
 * values, store URIs, file and branch names, a model's error text): each is masked by the step
 * redactor and each of its lines goes through `terminalText` of @mxn/report, so no ANSI escape
 * reaches the log and no user string starts a workflow command (`::error::`, `::add-mask::`, `##[`).
 */
import { terminalText } from '@mxn/report';
import { redactStepText } from './redact-results.js';

/** Where a step's lines go: `@actions/core` (its `info`), or anything with that shape. */
export interface StepLogSink {
  info(message: string): void;
}

/** A `log` for the steps that writes each line of `line`, redacted and made safe for the Actions log, to `sink.info`. */
export function stepLogger(sink: StepLogSink, env: NodeJS.ProcessEnv = process.env): (line: string) => void {
  return (line) => {
    for (const part of redactStepText(line, env).split('\n')) sink.info(terminalText(part));
  };
}
