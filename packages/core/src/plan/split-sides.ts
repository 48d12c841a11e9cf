/**
 * The rows each side of a dataset's split will get, as the plan shows them: a random split's from the
 * row count; with `read`, an ordered split's from the footers' row-group statistics, or its `by` column,
 * and a group or stratified split's from its one column (the group column, or the target). No other
 * column is read, and nothing without `read` (a run's plan: staging counts the sides as it splits).
 */
import { countSplitSidesOfFiles } from '@mxn/data';
import { MxnError } from '@mxn/errors';
import type { ResolvedDataset } from '../load/check-datasets.js';
import { storeRanges } from '../load/store-ranges.js';
import type { SplitConfig } from '../schema/experiment.js';

/**
 * Sides counted, or why they could not be: the split as staging would refuse it, or (`transient`) the
 * data could not be read now, e.g. a store error, which staging meets again or not.
 */
export type PlannedSides = { train: number; test: number } | { problem: string; transient?: true };

/** The sides, or undefined when they are not counted (not a random split, and `read` not asked for). */
export async function plannedSides(
  dataset: ResolvedDataset,
  split: SplitConfig,
  target: string,
  read: boolean,
): Promise<PlannedSides | undefined> {
  const random = split.by === undefined && split.group === undefined && split.stratify !== true;
  if (random) {
    const test = Math.round(dataset.rows * split.test);
    return { train: dataset.rows - test, test };
  }
  if (!read) return undefined;
  try {
    const files = dataset.train.files.map((info) => storeRanges(dataset.train.store, info));
    const { train, test } = await countSplitSidesOfFiles(files, split, target);
    return { train, test };
  } catch (error) {
    // Never a failed plan: the data's own problem fails its cells when staged; any other is noted.
    if (error instanceof MxnError && error.exitClass === 'input') return { problem: error.message };
    return { problem: `the data could not be read: ${(error as Error)?.message ?? String(error)}`, transient: true };
  }
}
