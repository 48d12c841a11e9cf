// The workflow files, checked against a schema of the fields they use, and against the actions
// they call: every `uses: ./actions/x` exists with runtime node24, every `with:` key is an input the
// action declares (required ones given), every `steps.<id>.outputs.<name>` is an output of that step.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const access = z.enum(['read', 'write', 'none']);
const permissions = z.union([
  z.enum(['read-all', 'write-all']),
  z.partialRecord(z.enum(['contents', 'pull-requests', 'id-token', 'issues', 'actions', 'checks', 'statuses', 'packages']), access),
]);
const step = z
  .strictObject({
    id: z.string().optional(),
    name: z.string().optional(),
    if: z.union([z.string(), z.boolean()]).optional(),
    uses: z
      .string()
      .regex(/^(\.\/actions\/[a-z-]+|[\w-]+\/[\w-]+(\/[\w-]+)*@v\d+)$/, 'pin external actions to a major version')
      .optional(),
    run: z.string().optional(),
    with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    env: z.record(z.string(), z.string()).optional(),
    'working-directory': z.string().optional(),
  })
  .refine((item) => (item.uses === undefined) !== (item.run === undefined), 'a step has exactly one of uses / run');
const job = z.strictObject({
  if: z.string().optional(),
  needs: z.union([z.string(), z.array(z.string())]).optional(),
  'runs-on': z.string(),
  'timeout-minutes': z.number().int().positive().max(360),
  permissions: permissions.optional(),
  environment: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  outputs: z.record(z.string(), z.string()).optional(),
  strategy: z.object({ 'fail-fast': z.boolean().optional(), matrix: z.record(z.string(), z.unknown()) }).optional(),
  concurrency: z.strictObject({ group: z.string(), 'cancel-in-progress': z.boolean() }).optional(),
  steps: z.array(step).min(1),
});
const workflow = z.strictObject({
  name: z.string(),
  on: z.partialRecord(z.enum(['push', 'pull_request', 'pull_request_target', 'workflow_dispatch']), z.unknown()),
  permissions: permissions,
  env: z.record(z.string(), z.string()).optional(),
  concurrency: z.strictObject({ group: z.string(), 'cancel-in-progress': z.boolean() }).optional(),
  jobs: z.record(z.string(), job),
});
type Workflow = z.infer<typeof workflow>;

const actionSchema = z.object({
  name: z.string(),
  description: z.string(),
  inputs: z
    .record(z.string(), z.object({ description: z.string(), required: z.boolean().optional(), default: z.string().optional() }))
    .default({}),
  outputs: z.record(z.string(), z.object({ description: z.string() })).default({}),
  runs: z.strictObject({ using: z.literal('node24'), main: z.literal('dist/index.js') }),
});

function load(file: string): Workflow {
  const parsed = workflow.safeParse(parse(readFileSync(path.join(root, '.github/workflows', file), 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function action(uses: string) {
  return actionSchema.parse(parse(readFileSync(path.join(root, uses, 'action.yml'), 'utf8')));
}

describe('workflow files', () => {
  const files = readdirSync(path.join(root, '.github/workflows')).filter((file) => file.endsWith('.yml'));

  it('are valid against the schema, and call local actions only with inputs they declare', () => {
    expect(files.sort()).toEqual(['ci.yml', 'experiment.yml']);
    for (const file of files) {
      for (const [jobName, item] of Object.entries(load(file).jobs)) {
        const outputsById = new Map<string, Set<string>>();
        for (const entry of item.steps) {
          const text = JSON.stringify(entry);
          for (const [, id, output] of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
            expect(
              outputsById.get(id!),
              `${file} ${jobName}: steps.${id}.outputs.${output} is not an output of an earlier step`,
            ).toBeDefined();
            if (outputsById.get(id!)!.size)
              expect([...outputsById.get(id!)!], `${file} ${jobName}: ${id} has no output ${output}`).toContain(output);
          }
          if (entry.uses?.startsWith('./actions/')) {
            const declared = action(entry.uses);
            for (const key of Object.keys(entry.with ?? {}))
              expect(Object.keys(declared.inputs), `${file}: ${entry.uses} has no input "${key}"`).toContain(key);
            for (const [key, input] of Object.entries(declared.inputs))
              if (input.required) expect(Object.keys(entry.with ?? {}), `${file}: ${entry.uses} needs "${key}"`).toContain(key);
          }
          // external actions' outputs are not checked (an empty set accepts any name)
          if (entry.id)
            outputsById.set(entry.id, new Set(entry.uses?.startsWith('./actions/') ? Object.keys(action(entry.uses).outputs) : []));
        }
      }
    }
  });

  it('experiment.yml: triggers, least privilege, one concurrency group per pull request and experiment, fork gate', () => {
    const flow = load('experiment.yml');
    const on = flow.on as Record<string, { paths?: string[]; inputs?: Record<string, unknown> }>;
    expect(on.pull_request?.paths).toEqual(['experiments/**', 'models/**']);
    expect(Object.keys(on.workflow_dispatch?.inputs ?? {}).sort()).toEqual(['backend', 'experiment', 'rerun']);
    expect(flow.permissions).toEqual({ contents: 'read' });
    const run = flow.jobs.run!;
    expect(run.permissions).toEqual({ contents: 'write', 'pull-requests': 'write', 'id-token': 'write' });
    expect(run.concurrency?.['cancel-in-progress']).toBe(true);
    expect(run.concurrency?.group).toMatch(/pull_request\.number.*matrix\.experiment/);
    expect(run.if).toContain("contains(github.event.pull_request.labels.*.name, 'mxn:run')");
    expect(run.environment).toContain('mxn-fork-approval');
    expect(flow.jobs.plan!.if).toContain("github.actor != 'github-actions[bot]'");
    // the fork path never checks the fork out where the tool is built
    const planSteps = flow.jobs.plan!.steps;
    const forkCheckout = planSteps.find((entry) => entry.with?.ref === '${{ github.event.pull_request.head.sha }}');
    expect(forkCheckout?.with?.path).toBe('pr');
    expect(planSteps.every((entry) => entry.with?.['persist-credentials'] === false || entry.uses !== 'actions/checkout@v4')).toBe(true);
  });

  it('experiment.yml: the run takes the approved commit; forks build the tool from base and take only experiments/ and models/', () => {
    const flow = load('experiment.yml');
    const run = flow.jobs.run!;
    expect(JSON.stringify(flow.jobs)).not.toContain('head.ref'); // never the branch tip, which may have moved
    const checkouts = run.steps.filter((entry) => entry.uses === 'actions/checkout@v4');
    const first = checkouts[0]!.with!;
    expect(first.ref).toBe(
      "${{ github.event_name == 'pull_request_target' && github.event.pull_request.base.sha" +
        ' || github.event.pull_request.head.sha || github.sha }}',
    );
    expect(first['persist-credentials']).toBe("${{ github.event_name != 'pull_request_target' }}");
    const build = run.steps.findIndex((entry) => entry.run?.includes('npm ci'));
    const fork = run.steps.findIndex((entry) => entry.with?.repository === '${{ github.event.pull_request.head.repo.full_name }}');
    expect(fork, 'the fork is checked out after the tool is built').toBeGreaterThan(build);
    expect(run.steps[fork]!.with).toMatchObject({ ref: '${{ github.event.pull_request.head.sha }}', 'persist-credentials': false });
    expect(run.steps[fork]!.if).toBe("github.event_name == 'pull_request_target'");
    const take = run.steps[fork + 1]!;
    expect(take.if).toBe("github.event_name == 'pull_request_target'");
    expect(take.run).toMatch(/cp -R (\S+)\/experiments \1\/models \.\n/);
    for (const entry of run.steps.slice(fork)) expect(entry.run ?? '', 'nothing after the fork checkout runs npm').not.toMatch(/\bnpm\b/);
    // a fork runs only on the `labeled` event (the approved commit); a new push removes the label
    expect(run.if).toMatch(/pull_request_target' \|\|\s+\(github\.event\.action == 'labeled' && github\.event\.label\.name == 'mxn:run'/);
    const unlabel = flow.jobs.unlabel!;
    expect(unlabel.if).toContain("github.event.action == 'synchronize'");
    expect(unlabel.if).toContain('github.event.pull_request.head.repo.full_name != github.repository');
    expect(unlabel.permissions).toEqual({ 'pull-requests': 'write' });
    expect(unlabel.steps.map((entry) => entry.run ?? entry.uses)).toEqual([
      'gh api --method DELETE "repos/${GITHUB_REPOSITORY}/issues/${PR}/labels/mxn:run"',
    ]);
    const docs = readFileSync(path.join(root, 'docs/github.md'), 'utf8');
    expect(docs).toMatch(/mxn-fork-approval[^\n]*\n?[^\n]*required reviewers/);
  });

  it('experiment.yml: the plan job logs in to Azure and AWS as the run job does, but never for a fork', () => {
    const flow = load('experiment.yml');
    const plan = flow.jobs.plan!;
    const run = flow.jobs.run!;
    expect(plan.permissions).toMatchObject({ 'id-token': 'write' });
    const planIndex = plan.steps.findIndex((entry) => entry.id === 'plan');
    for (const uses of ['azure/login@v2', 'aws-actions/configure-aws-credentials@v4']) {
      const inRun = run.steps.find((entry) => entry.uses === uses)!;
      const index = plan.steps.findIndex((entry) => entry.uses === uses);
      expect(index, `${uses} in the plan job`).toBeGreaterThanOrEqual(0);
      expect(index, `${uses} before the plan step`).toBeLessThan(planIndex);
      const inPlan = plan.steps[index]!;
      expect(inPlan.with).toEqual(inRun.with);
      // only when the repository variable is set (as in the run job), and not on a fork's pull_request_target
      expect(inPlan.if).toBe(`${inRun.if} && github.event_name != 'pull_request_target'`);
    }
  });

  it('experiment.yml: a shared staging store for plan and run, valid experiments run despite problems, cancel reaches the run step', () => {
    const flow = load('experiment.yml');
    const plan = flow.jobs.plan!;
    const run = flow.jobs.run!;
    for (const item of [plan, run]) expect(item.env?.MXN_STAGING).toBe('${{ vars.MXN_STAGING }}');
    expect(readFileSync(path.join(root, 'docs/github.md'), 'utf8')).toMatch(/\| `MXN_STAGING` \|/);
    // problems: annotated by the plan step, the job fails in its last step, the run job still goes
    const last = plan.steps[plan.steps.length - 1]!;
    expect(last.if).toBe("steps.plan.outputs.problems != '0'");
    expect(last.run).toMatch(/exit 1$/);
    expect(plan.outputs?.experiments).toBe('${{ steps.plan.outputs.experiments }}');
    expect(run.if).toMatch(/^!cancelled\(\) && needs\.plan\.outputs\.experiments != '\[\]'/);
    // the run step knows when the job started, to tell the 6-hour stop from a cancel
    expect(run.steps[0]!.run).toBe('echo "MXN_JOB_STARTED=$(date +%s)" >> "$GITHUB_ENV"');
    expect(run.steps.find((entry) => entry.id === 'run')!.with?.['detach-after']).toBe('350');
    expect(run.steps.find((entry) => entry.uses === './actions/report')!.if).toContain('always()');
  });

  it('ci.yml runs the same command as .ci/run and ignores the bot', () => {
    const flow = load('ci.yml');
    expect(flow.jobs.test!['timeout-minutes']).toBe(20);
    const runs = flow.jobs.test!.steps.map((entry) => entry.run).filter(Boolean);
    expect(runs).toContain('.ci/run');
    expect(existsSync(path.join(root, '.ci/run'))).toBe(true);
    expect(flow.jobs.test!.if).toContain("github.actor != 'github-actions[bot]'");
  });
});

describe('action entries', () => {
  const dir = path.join(root, 'actions');
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'action.yml')))
    .map((entry) => entry.name);

  it('are thin: one package call, one failAction (the message and its hint), a few dozen lines', () => {
    expect(names.sort()).toEqual(['build-images', 'plan', 'report', 'run']);
    for (const name of names) {
      const source = readFileSync(path.join(dir, name, 'src/main.ts'), 'utf8');
      expect(source.split('\n').length, name).toBeLessThan(50);
      expect(source.match(/\.catch\(\(error: unknown\) => failAction\(error, 'mxn [\w-]+', core\)\)/g), name).toHaveLength(1);
      expect(source, name).not.toMatch(/setFailed/);
      expect(source.match(/await \w+Step\(/g), name).toHaveLength(1);
    }
  });
});
