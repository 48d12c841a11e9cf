import type { RunOutcome, RunSpec, TaskEvent, TaskState } from '../../backend.js';

const TERMINAL: ReadonlySet<TaskState> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Problems with a run's event stream, as readable lines (empty when it keeps the protocol):
 * every task (and the aggregate) is `queued` before any task runs, has exactly one terminal
 * event and it is its last, every retry is announced by `retrying`, attempts never go back, and
 * each terminal state matches the task's outcome.
 */
export function eventProblems(spec: RunSpec, events: TaskEvent[], outcome: RunOutcome): string[] {
  const problems: string[] = [];
  const tasks = [...spec.tasks, ...(spec.aggregate ? [spec.aggregate] : [])];
  const firstActive = events.findIndex((event) => event.state !== 'queued');
  const outcomes = new Map([...outcome.tasks, ...(outcome.aggregate ? [outcome.aggregate] : [])].map((task) => [task.taskId, task]));
  const known = new Set(tasks.map((task) => task.id));

  for (const event of events) if (!known.has(event.taskId)) problems.push(`event for unknown task ${event.taskId}`);
  for (const task of tasks) {
    const mine = events.map((event, index) => ({ event, index })).filter(({ event }) => event.taskId === task.id);
    const states = mine.map(({ event }) => event.state);
    const where = `${task.id} [${states.join(' → ')}]`;
    if (states[0] !== 'queued') problems.push(`${where}: first event is not queued`);
    const queuedLate = mine.find(({ event, index }) => event.state === 'queued' && firstActive !== -1 && index > firstActive);
    if (queuedLate) problems.push(`${where}: queued after another task had started`);
    const terminals = states.filter((state) => TERMINAL.has(state));
    if (terminals.length !== 1) problems.push(`${where}: ${terminals.length} terminal events`);
    else if (!TERMINAL.has(states[states.length - 1]!)) problems.push(`${where}: events after the terminal one`);
    states.forEach((state, index) => {
      if (state === 'running' && states.slice(0, index).includes('running') && states[index - 1] !== 'retrying') {
        problems.push(`${where}: a second attempt ran without a retrying event`);
      }
    });
    const attempts = mine.map(({ event }) => event.attempt);
    if (attempts.some((attempt, index) => attempt < 1 || (index > 0 && attempt < attempts[index - 1]!)))
      problems.push(`${where}: attempts ${attempts.join(',')}`);
    const status = outcomes.get(task.id)?.status;
    if (terminals.length === 1 && status !== undefined && status !== terminals[0]) problems.push(`${where}: outcome says ${status}`);
    if (status === undefined && task.kind === 'cell') problems.push(`${where}: no outcome`);
  }
  return problems;
}

/** The states of one task's events, in order. */
export function statesOf(events: TaskEvent[], taskId: string): TaskState[] {
  return events.filter((event) => event.taskId === taskId).map((event) => event.state);
}

/** Most tasks that were between `running` and a terminal event at the same time. */
export function peakRunning(events: TaskEvent[]): number {
  const running = new Set<string>();
  let peak = 0;
  for (const event of events) {
    if (event.state === 'running') running.add(event.taskId);
    else if (event.state === 'retrying' || TERMINAL.has(event.state)) running.delete(event.taskId);
    peak = Math.max(peak, running.size);
  }
  return peak;
}
