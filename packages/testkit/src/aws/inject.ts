/** Test injection for the loopback AWS fakes: error answers (throttling, server errors, any code) and latency. */
import { dueAtRate } from '../fault-rate.js';
import { AwsServiceError } from './errors.js';

/** A fault to inject. `operation` is an operation name (`SubmitJob`) or a RegExp; default: every operation. */
export type AwsInjection =
  | {
      /** HTTP status: 429 → `TooManyRequestsException`, 500 → `ServerException`, 503 → `ServiceUnavailableException`. */
      status: number;
      /** Error code (default from the status). */
      code?: string;
      message?: string;
      operation?: string | RegExp;
      /** Apply to the next N matching calls (default 1 unless `rate` is given, then unlimited). */
      times?: number;
      /** Apply to this fraction (0..1) of matching calls instead of every one, evenly spread and the same on every run. */
      rate?: number;
    }
  | {
      /** Delay in ms added before the fake answers. */
      latencyMs: number;
      operation?: string | RegExp;
      /** Apply to the next N matching calls (default: unlimited). */
      times?: number;
    };

export interface AwsInjectionHandle {
  /** How many times the injection has applied so far. */
  readonly hits: number;
  remove(): void;
}

const DEFAULTS: Record<number, [code: string, message: string]> = {
  429: ['TooManyRequestsException', 'Too Many Requests'],
  500: ['ServerException', 'Internal server error'],
  503: ['ServiceUnavailableException', 'Service Unavailable'],
};

interface Active {
  injection: AwsInjection;
  remaining: number;
  hits: number;
  /** Matching calls seen, for a `rate` (see `dueAtRate`). */
  seen: number;
}

const matches = (op: string | RegExp | undefined, operation: string): boolean =>
  op === undefined || (typeof op === 'string' ? op.toLowerCase() === operation.toLowerCase() : op.test(operation));

export class AwsInjector {
  private active: Active[] = [];

  add(injection: AwsInjection): AwsInjectionHandle {
    const times = injection.times ?? ('status' in injection && injection.rate === undefined ? 1 : Number.POSITIVE_INFINITY);
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

  /** Total latency to add to this call. */
  latency(operation: string): number {
    let total = 0;
    for (const a of this.active) {
      if (a.remaining > 0 && 'latencyMs' in a.injection && matches(a.injection.operation, operation)) {
        a.remaining--;
        a.hits++;
        total += a.injection.latencyMs;
      }
    }
    return total;
  }

  /** The injected error for this call, if any. */
  error(operation: string): AwsServiceError | undefined {
    const hit = this.active.find((a) => {
      if (a.remaining <= 0 || !('status' in a.injection) || !matches(a.injection.operation, operation)) return false;
      return dueAtRate(a, a.injection.rate);
    });
    if (!hit || !('status' in hit.injection)) return undefined;
    hit.remaining--;
    hit.hits++;
    const { status, code, message } = hit.injection;
    const [defaultCode, defaultMessage] = DEFAULTS[status] ?? ['ServerException', 'Internal server error'];
    return new AwsServiceError(code ?? defaultCode, message ?? defaultMessage, status);
  }
}
