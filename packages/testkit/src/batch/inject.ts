/**
 * Test injection for the loopback Batch service: errors (429 with Retry-After, 500, 503, any code),
 * added latency, and per-task `servererror` results in add-collection answers.
 */
import { dueAtRate } from '../fault-rate.js';
import { BatchServiceError } from './errors.js';
import { specFacts } from './spec.js';

/**
 * A fault to inject. `operation` is the service's operation name (`Task_AddCollection`) or its 2025-06-01
 * operationId (`Tasks_CreateTaskCollection`), or a RegExp over either; default: every operation.
 */
export type Injection =
  | {
      /** HTTP status to answer with: 429 → `TooManyRequests`, 500 → `InternalServerError`, 503 → `ServerBusy`. */
      status: number;
      /** Error code (default from the status). */
      code?: string;
      /** `Retry-After` seconds (default 1 for 429, none otherwise). */
      retryAfterSeconds?: number;
      operation?: string | RegExp;
      /** Apply to the next N matching calls (default 1 unless `rate` is given, then unlimited). */
      times?: number;
      /** Apply to this fraction (0..1) of matching calls instead of every one, evenly spread (see `dueAtRate`). */
      rate?: number;
    }
  | {
      /** Delay in ms added before the service answers. */
      latencyMs: number;
      operation?: string | RegExp;
      /** Apply to the next N matching calls (default: unlimited). */
      times?: number;
    }
  | {
      /** The next N tasks in add-collection calls get `status: servererror` instead of being added. */
      taskServerErrors: number;
    }
  | {
      /**
       * The next N task attempts that have output files fail to upload them: `FileUploadMiscError`, the exit
       * code kept, `details` as given (default: the destination `containerUrl`, SAS included).
       */
      uploadFailures: number;
      details?: { name: string; value: string }[];
    };

export interface InjectionHandle {
  /** How many times the injection has applied so far. */
  readonly hits: number;
  remove(): void;
}

interface Active {
  injection: Injection;
  remaining: number;
  hits: number;
  /** Matching calls seen, for a `rate` (see `dueAtRate`). */
  seen: number;
}

const CODE_BY_STATUS: Record<number, string> = { 429: 'TooManyRequests', 500: 'InternalServerError', 503: 'ServerBusy' };

const matches = (op: string | RegExp | undefined, operation: string): boolean => {
  if (op === undefined) return true;
  const names = [operation, specFacts.operations[operation]?.operationId ?? operation];
  return names.some((name) => (typeof op === 'string' ? op.toLowerCase() === name.toLowerCase() : op.test(name)));
};

export class Injector {
  private active: Active[] = [];

  add(injection: Injection): InjectionHandle {
    const times =
      'taskServerErrors' in injection
        ? injection.taskServerErrors
        : 'uploadFailures' in injection
          ? injection.uploadFailures
          : (injection.times ?? ('status' in injection && injection.rate === undefined ? 1 : Infinity));
    const entry: Active = { injection, remaining: times, hits: 0, seen: 0 };
    this.active.push(entry);
    return {
      get hits() {
        return entry.hits;
      },
      remove: () => {
        this.active = this.active.filter((a) => a !== entry);
      },
    };
  }

  clear(): void {
    this.active = [];
  }

  private take(pred: (i: Injection, entry: Active) => boolean): Active | undefined {
    const found = this.active.find((a) => a.remaining > 0 && pred(a.injection, a));
    if (!found) return undefined;
    found.remaining--;
    found.hits++;
    return found;
  }

  /** Total latency to add to this call. */
  latency(operationId: string): number {
    let total = 0;
    for (const a of this.active) {
      if (a.remaining > 0 && 'latencyMs' in a.injection && matches(a.injection.operation, operationId)) {
        a.remaining--;
        a.hits++;
        total += a.injection.latencyMs;
      }
    }
    return total;
  }

  /** The injected error for this call, if any. */
  error(operationId: string): BatchServiceError | undefined {
    const hit = this.take((i, a) => 'status' in i && matches(i.operation, operationId) && dueAtRate(a, i.rate));
    if (!hit || !('status' in hit.injection)) return undefined;
    const { status, code, retryAfterSeconds } = hit.injection;
    const retry = retryAfterSeconds ?? (status === 429 ? 1 : undefined);
    return new BatchServiceError(code ?? CODE_BY_STATUS[status] ?? 'InternalServerError', undefined, {
      status,
      headers: retry === undefined ? {} : { 'Retry-After': String(retry) },
    });
  }

  /** The injected upload failure for this attempt, if any. */
  uploadFailure(): { details?: { name: string; value: string }[] } | undefined {
    const hit = this.take((i) => 'uploadFailures' in i);
    if (!hit || !('uploadFailures' in hit.injection)) return undefined;
    return hit.injection.details ? { details: hit.injection.details } : {};
  }

  /** Whether the next added task should fail with `servererror`. */
  taskServerError(): boolean {
    return this.take((i) => 'taskServerErrors' in i) !== undefined;
  }
}
