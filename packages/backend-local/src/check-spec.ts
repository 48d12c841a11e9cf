import { BackendError, type RunSpec } from '@mxn/core';

/** Rejects specs the local backend cannot run faithfully: duplicate or unsafe ids, empty commands. */
export function checkSpec(spec: RunSpec): void {
  const seen = new Set<string>();
  const ids = [
    ...spec.tasks.map((task) => task.id),
    ...(spec.cached ?? []).map((cell) => cell.id),
    ...(spec.aggregate ? [spec.aggregate.id] : []),
  ];
  for (const id of ids) {
    if (id === '' || id === '.' || id === '..' || /[/\\]/.test(id)) {
      throw new BackendError(`local: task id ${JSON.stringify(id)} is not a safe folder name`, {
        hint: 'cell ids must not be empty or contain "/" or "\\"',
      });
    }
    if (seen.has(id)) throw new BackendError(`local: task id ${JSON.stringify(id)} appears more than once in run ${spec.runId}`);
    seen.add(id);
  }
  for (const task of [...spec.tasks, ...(spec.aggregate ? [spec.aggregate] : [])]) {
    if (task.command.length === 0 || !task.command[0]) throw new BackendError(`local: task ${task.id} has an empty command`);
  }
}
