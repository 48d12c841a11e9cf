/**
 * Task dependency rules: when a task's `dependsOn` is satisfied, and whether a completed task lets
 * its dependents run (`exitConditions` → `dependencyAction`, default satisfy on success, block otherwise).
 */
import type { ExitConditions, ExitOptions } from './spec-types.js';
import type { Job, Task } from './store.js';

const INTEGER_ID = /^(0|[1-9]\d*)$/;

/** Whether every task `task` depends on has completed and satisfies its dependents. */
export function dependenciesSatisfied(task: Task, job: Job): boolean {
  const dep = task.spec.dependsOn;
  if (!dep) return true;
  const ok = (t: Task | undefined): boolean => !!t && t.state === 'completed' && t.satisfiesDependents === true;
  for (const id of dep.taskIds ?? []) if (!ok(job.tasks.get(String(id).toLowerCase()))) return false;
  const ranges: { start: number; end: number }[] = dep.taskIdRanges ?? [];
  if (ranges.length) {
    // Ranges match only tasks whose id is an integer; tasks that do not exist are not waited for.
    for (const t of job.tasks.values()) {
      if (!INTEGER_ID.test(t.id)) continue;
      const n = Number(t.id);
      if (ranges.some((r) => n >= r.start && n <= r.end) && !ok(t)) return false;
    }
  }
  return true;
}

export type EndKind = 'exit' | 'preProcessingError' | 'fileUploadError' | 'timeout' | 'terminated';

/** The `exitOptions` that apply to a task that ended with `exitCode` / `kind` (undefined: the defaults). */
export function exitOptionsFor(
  exitConditions: ExitConditions | undefined,
  exitCode: number | undefined,
  kind: EndKind,
): ExitOptions | undefined {
  if (!exitConditions) return undefined;
  const byCode = (): ExitOptions | undefined => {
    if (exitCode === undefined) return undefined;
    const exact = (exitConditions.exitCodes ?? []).find((m) => m.code === exitCode);
    if (exact) return exact.exitOptions;
    return (exitConditions.exitCodeRanges ?? []).find((r) => exitCode >= r.start && exitCode <= r.end)?.exitOptions;
  };
  if (kind === 'preProcessingError') return exitConditions.preProcessingError ?? exitConditions.default;
  if (kind === 'fileUploadError') return byCode() ?? exitConditions.fileUploadError ?? exitConditions.default;
  const mapped = byCode();
  if (mapped) return mapped;
  return exitCode === 0 && kind === 'exit' ? undefined : exitConditions.default;
}

/** Whether a task that ended this way lets its dependents run. */
export function satisfiesDependents(
  exitConditions: ExitConditions | undefined,
  exitCode: number | undefined,
  kind: EndKind,
  succeeded: boolean,
): boolean {
  const action: string | undefined = exitOptionsFor(exitConditions, exitCode, kind)?.dependencyAction;
  return (action ?? (succeeded ? 'satisfy' : 'block')).toLowerCase() === 'satisfy';
}
