/** Where a run's files live in the staging store. Tasks see only their own prefixes. */
export const layout = {
  /** A dataset split's task inputs: train.parquet (with target) and test.parquet (features only). */
  inputs: (inputKey: string) => `inputs/${inputKey}`,
  /** The held-out labels of a split: read by the harness, never given to a task. */
  labels: (inputKey: string) => `labels/${inputKey}`,
  /** A cell's outputs, by content key: predictions, metrics.json, artifacts, stdout.txt, stderr.txt. */
  cellOutput: (key: string) => `cells/${key}/output`,
  aggregateInput: (runId: string) => `runs/${runId}/aggregate/input`,
  aggregateOutput: (runId: string) => `runs/${runId}/aggregate/output`,
};
