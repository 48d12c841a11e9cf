/** What the progress display knows: every task's latest state, counts, and an ETA from finished tasks. */

/** The fields of `TaskEvent` (@mxn/core, backend.ts) the display reads; a TaskEvent fits this shape. */
export interface ProgressEvent {
  taskId: string;
  kind: 'cell' | 'aggregate';
  state: 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';
  attempt: number;
  at: Date;
  exitCode?: number;
  message?: string;
}

const TERMINAL = new Set<ProgressEvent['state']>(['succeeded', 'failed', 'cancelled']);

export function isTerminal(state: ProgressEvent['state']): boolean {
  return TERMINAL.has(state);
}

interface TaskTrack {
  state: ProgressEvent['state'];
  /** Clock time of the first `running` event (ms). */
  startedAt?: number;
}

export interface Counts {
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  running: number;
  retrying: number;
  queued: number;
}

export class ProgressState {
  private readonly tasks = new Map<string, TaskTrack>();
  private readonly durations: number[] = [];
  private peakRunning = 0;

  constructor(
    readonly total: number,
    private readonly concurrency?: number,
  ) {}

  /** Records a cell event (aggregate events are not counted); returns the task's run time when it just finished. */
  apply(event: ProgressEvent, at: number): { durationMs?: number } {
    const track = this.tasks.get(event.taskId) ?? { state: 'queued' };
    this.tasks.set(event.taskId, track);
    if (isTerminal(track.state)) return {};
    track.state = event.state;
    if (event.state === 'running' && track.startedAt === undefined) track.startedAt = at;
    if (event.state === 'running') this.peakRunning = Math.max(this.peakRunning, this.counts().running);
    if (!isTerminal(event.state) || track.startedAt === undefined) return {};
    const durationMs = Math.max(0, at - track.startedAt);
    if (event.state === 'succeeded' || event.state === 'failed') this.durations.push(durationMs);
    return { durationMs };
  }

  counts(): Counts {
    const counts: Counts = { total: this.total, done: 0, succeeded: 0, failed: 0, cancelled: 0, running: 0, retrying: 0, queued: 0 };
    for (const { state } of this.tasks.values()) {
      if (state === 'queued') continue;
      counts[state] += 1;
      if (isTerminal(state)) counts.done += 1;
    }
    counts.queued = Math.max(0, this.total - counts.done - counts.running - counts.retrying);
    return counts;
  }

  /**
   * Estimated time left: the average run time of finished tasks × tasks left ÷ how many run at
   * once (the configured concurrency, else the most seen running together). Undefined until a task finished.
   */
  etaMs(): number | undefined {
    if (this.durations.length === 0) return undefined;
    const counts = this.counts();
    const left = counts.total - counts.done;
    if (left <= 0) return 0;
    const average = this.durations.reduce((sum, ms) => sum + ms, 0) / this.durations.length;
    const parallel = Math.max(1, Math.min(this.concurrency ?? this.peakRunning, left));
    return (average * left) / parallel;
  }
}
