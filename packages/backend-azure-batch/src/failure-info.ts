/**
 * What Batch says about a failed task (`executionInfo.failureInfo`: category, code, message, details;
 * `executionInfo.containerInfo.error`), as one readable line, and whether the platform failed rather
 * than the model: the image could not be pulled or the container not started, input files could not
 * be downloaded, outputs could not be uploaded, the node was lost or preempted, or Batch itself
 * erred (category `servererror`). Such failures are marked `infrastructure` on the outcome: they are
 * not kept as the cell's result, so the next run runs the cell again. A non-zero exit code is always
 * the model's failure, whatever else Batch reports (an upload error after exit 2, a disk the model
 * filled): the model ran and failed, and running it again would only fail again.
 */
import type { BatchServiceModels } from '@azure/batch';
import { formatDuration } from '@mxn/core';
import { redact } from '@mxn/storage';

type ExecutionInfo = BatchServiceModels.TaskExecutionInformation;

/** Failure codes that are about the model's own run, whatever their category. */
const MODEL_CODES = new Set(['FailureExitCode', 'MaxWallClockTimeExceeded', 'TaskEnded']);
/**
 * Codes of failures before or after the command, on the platform's side: container set-up and image
 * pulls, resource file downloads, output uploads, the node (lost, preempted, disk full).
 */
const PLATFORM_CODE = /^(Container|Blob|Resource|FileUpload|Node|DiskFull|ApplicationPackage)|Preempt|Requeue/i;
const MAX_LINE = 400;

/**
 * The platform failed, not the model (see the module comment): there is no model exit code, or it is
 * 0 (the outputs could not be uploaded after the model succeeded), and Batch's code or category says
 * the platform failed (pre-processing, image pull, container start, downloads, uploads, the node).
 */
export function isInfrastructureFailure(exec: ExecutionInfo | undefined): boolean {
  const failure = exec?.failureInfo;
  if (!failure || MODEL_CODES.has(failure.code ?? '')) return false;
  if (exec?.exitCode !== undefined && exec.exitCode !== 0) return false;
  return failure.category === 'servererror' || PLATFORM_CODE.test(failure.code ?? '');
}

const firstLine = (text: string | undefined) => (text ?? '').split('\n')[0]!.trim();

/**
 * Batch's failure info as one line: `ContainerPullImageFailed: <message> (<details>); container: <error>`,
 * with the exit code when there is one, SAS signatures masked (a download or upload failure's details
 * quote the blob URL: `sig=***`). Undefined without failure info.
 */
export function failureInfoLine(exec: ExecutionInfo | undefined): string | undefined {
  const failure = exec?.failureInfo;
  if (!failure) return undefined;
  const message = firstLine(failure.message);
  // Each piece once: details and the container's error often repeat the message.
  const seen = [message];
  const details: string[] = [];
  for (const detail of failure.details ?? []) {
    const value = firstLine(detail.value);
    if (!value || seen.some((text) => text.includes(value))) continue;
    seen.push(value);
    details.push(!detail.name || /^message$/i.test(detail.name) ? value : `${detail.name}: ${value}`);
  }
  const container = firstLine(exec?.containerInfo?.error);
  let line = `${failure.code ?? failure.category}${message ? `: ${message}` : ''}`;
  if (details.length) line += ` (${details.join('; ')})`;
  if (container && !seen.some((text) => text.includes(container))) line += `; container: ${container}`;
  if (exec?.exitCode !== undefined) line += ` (exit code ${exec.exitCode})`;
  line = redact(line);
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

/** A failed task's reason: `exit code 3`, `timed out after 30m`, or Batch's failure info as one line. */
export function failureMessage(exec: ExecutionInfo | undefined, timeoutMs: number): string {
  const failure = exec?.failureInfo;
  if (failure?.code === 'MaxWallClockTimeExceeded') return `timed out after ${formatDuration(timeoutMs)}`;
  if (failure?.code === 'FailureExitCode' || (!failure && exec?.exitCode !== undefined)) return `exit code ${exec?.exitCode}`;
  return failureInfoLine(exec) ?? 'failed';
}
