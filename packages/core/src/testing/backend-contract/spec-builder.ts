import { randomBytes } from 'node:crypto';
import type { ComputeLimits, RunSpec, TaskSpec } from '../../backend.js';
import { TASK_SCRIPT } from './task-script.js';

export interface SpecBuilderSettings {
  /** Program that runs JavaScript in a task. */
  node: string;
  /** Set as every task's `buildDir`, when given. */
  buildDir?: string;
  /** Set as every task's `image`, when given. */
  image?: string;
}

/** Builds small RunSpecs whose tasks run TASK_SCRIPT in a given mode. Each builder has its own run id and prefixes. */
export function specBuilder(settings: SpecBuilderSettings) {
  const runId = `contract-${randomBytes(4).toString('hex')}`;
  const base = `runs/${runId}`;

  function task(id: string, params: Record<string, unknown>, kind: TaskSpec['kind'] = 'cell'): TaskSpec {
    const folder = kind === 'aggregate' ? `${base}/aggregate` : `${base}/cells/${id}`;
    return {
      id,
      kind,
      model: kind === 'aggregate' ? 'contract-aggregate' : `model-${id}`,
      dataset: kind === 'aggregate' ? '' : `dataset-${id}`,
      command: [settings.node, '-e', TASK_SCRIPT],
      ...(settings.buildDir ? { buildDir: settings.buildDir } : {}),
      ...(settings.image ? { image: settings.image } : {}),
      env: {
        MXN_PARAMS: JSON.stringify(params),
        MXN_TARGET: 'price',
        MXN_CELL_ID: id,
        MXN_MODEL: `model-${id}`,
        MXN_DATASET: `dataset-${id}`,
        MXN_TASK: 'regression',
        CONTRACT_EXTRA: `extra for ${id}`,
      },
      inputPrefix: `${folder}/input`,
      outputPrefix: `${folder}/output`,
    };
  }

  return {
    runId,
    /** A cell task running TASK_SCRIPT with `params` as MXN_PARAMS. */
    cell: (id: string, params: Record<string, unknown>) => task(id, params),
    /** The aggregate task (mode `aggregate`). */
    aggregate: () => task('aggregate', { mode: 'aggregate' }, 'aggregate'),
    /** A cached cell: only its output prefix exists. */
    cached: (id: string) => ({ id, model: `model-${id}`, dataset: `dataset-${id}`, outputPrefix: `${base}/cached/${id}/output` }),
    /** The RunSpec around `tasks`. */
    spec(
      stagingUri: string,
      tasks: TaskSpec[],
      extra: Partial<Omit<RunSpec, 'limits'>> & { limits?: Partial<ComputeLimits> } = {},
    ): RunSpec {
      const { limits, ...rest } = extra;
      return {
        runId,
        experiment: 'contract',
        stagingUri,
        tasks,
        target: 'price',
        ...rest,
        limits: { concurrency: 2, retries: 0, timeoutMs: 60_000, ...limits },
      };
    },
  };
}
