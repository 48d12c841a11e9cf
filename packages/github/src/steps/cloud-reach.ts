/**
 * What the plan step does when it cannot reach an experiment's cloud datasets or its cell cache
 * (a fork's plan job has no cloud login, so `s3://` / `az://` stores answer "denied" or nothing):
 * it notices that before checking the data, and plans the matrix from the file alone, with a note
 * instead of turning the unreachable store into a problem in the file.
 */
import { expandVariants, resolveDataSource, type ExperimentSpec, type LoadedExperiment, type Plan } from '@mxn/core';
import { backendSettings } from '@mxn/engine';
import { inlineCode, markdownText } from '@mxn/report';
import { isRemoteUri, StoreError } from '@mxn/storage';

export interface Unreachable {
  /** The store URI as written (dataset value or cache URI). */
  uri: string;
  /** Why it could not be reached (the store's message, which never holds a secret). */
  reason: string;
}

/**
 * The first remote dataset (`s3://`, `az://`, blob URL) this job cannot open, or undefined when all
 * can be (or there is none). A store that answers "not found" is reachable: the full check then
 * reports it as a problem in the file, as it is one.
 */
export async function firstUnreachableDataset(spec: ExperimentSpec, root: string): Promise<Unreachable | undefined> {
  const uris = [
    ...new Set(
      spec.datasets.flatMap((dataset) => [dataset.train, dataset.test]).filter((value): value is string => !!value && isRemoteUri(value)),
    ),
  ];
  const failures = await Promise.all(
    uris.map(async (uri) => {
      try {
        await resolveDataSource(uri, root);
        return undefined;
      } catch (error) {
        return error instanceof StoreError && error.code === 'NotFound' ? undefined : { uri, reason: reasonOf(error) };
      }
    }),
  );
  return failures.find((failure) => failure !== undefined);
}

/** One line for the plan comment. */
export function unreachableNote(what: 'datasets and cache' | 'cache', unreachable: Unreachable): string {
  return (
    `_${what === 'cache' ? 'Cache' : 'Datasets and cache'} not checked: no cloud credentials in this job, ` +
    `or ${inlineCode(unreachable.uri)} cannot be reached from it (${markdownText(unreachable.reason)}). The run job checks them._`
  );
}

export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n')[0]!.replace(/^store: /, '');
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}

/**
 * The m × n matrix from the experiment file alone (variants × dataset names), every cell to run:
 * no cell keys or run id, as those need the data. Only for the plan comment.
 */
export function matrixOnlyPlan(loaded: LoadedExperiment): Plan {
  const variants = loaded.spec.models.flatMap((model) => expandVariants(model.name, model.params).map((variant) => ({ model, variant })));
  const datasets = loaded.spec.datasets.map((dataset) => dataset.name);
  return {
    experiment: loaded.spec.name,
    // What a fork's run uses: the local backend runs untrusted code in containers only, as every cloud backend does.
    runtime: backendSettings('local', loaded.spec.compute).runtime ?? 'container',
    runId: '',
    variants: variants.map(({ variant }) => variant.name),
    datasets,
    cells: variants.flatMap(({ model, variant }) =>
      datasets.map((dataset) => ({
        id: `${variant.name}@${dataset}`,
        model: model.name,
        variant: variant.name,
        params: variant.params,
        dataset,
        key: '',
        inputKey: '',
        command: model.command,
        willRun: true,
      })),
    ),
  };
}
