import { BackendError, type RunSpec, unsafeIdReason } from '@mxn/core';

/** Rejects specs the local backend cannot run faithfully: duplicate or unsafe ids (core's one id rule), empty commands. */
export function checkSpec(spec: RunSpec): void {
  const seen = new Set<string>();
  const ids = [
    ...spec.tasks.map((task) => task.id),
    ...(spec.cached ?? []).map((cell) => cell.id),
    ...(spec.aggregate ? [spec.aggregate.id] : []),
  ];
  for (const id of ids) {
    const unsafe = unsafeIdReason(id);
    if (unsafe) {
      throw new BackendError(`local: task id ${JSON.stringify(id)} ${unsafe}, so it is not a safe folder name`, {
        hint: 'ids come from the plan, which encodes unsafe param values; run plans made by this version of mxn',
      });
    }
    if (seen.has(id)) throw new BackendError(`local: task id ${JSON.stringify(id)} appears more than once in run ${spec.runId}`);
    seen.add(id);
  }
  for (const task of [...spec.tasks, ...(spec.aggregate ? [spec.aggregate] : [])]) {
    if (task.command.length === 0 || !task.command[0]) throw new BackendError(`local: task ${task.id} has an empty command`);
  }
}
