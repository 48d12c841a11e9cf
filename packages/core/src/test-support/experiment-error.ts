/** The `ExperimentError` a load rejects with, for tests of its problems. */
import { expect } from 'vitest';
import { ExperimentError } from '../errors.js';

/** Waits for `loading` and expects it to reject with an `ExperimentError` (a load that succeeds fails the test). */
export async function experimentError(loading: Promise<unknown>): Promise<ExperimentError> {
  const error = await loading.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ExperimentError);
  return error as ExperimentError;
}
