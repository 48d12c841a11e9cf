// The `backend` input of the plan and run actions (and steps), as the workflow's `workflow_dispatch` choice gives it:
// `experiment` (the choice's default) or empty (a pull request's event has no inputs) means each experiment's own
// `compute.backend`; any other value overrides it (`local`, `azure-batch`, `aws-batch`).

/** The `backend` choice that keeps each experiment's own `compute.backend` (the workflow_dispatch form's default). */
export const EXPERIMENT_BACKEND = 'experiment';

/** The backend override a `backend` input asks for, if any. */
export function backendOverride(input: string | undefined): string | undefined {
  const value = input?.trim() ?? '';
  return value === '' || value === EXPERIMENT_BACKEND ? undefined : value;
}
