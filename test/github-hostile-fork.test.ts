// A hostile fork, end to end through the experiment workflow's jobs (plan → maintainer's label →
// run in containers → publish): a `prepack` script in model package.json files, a model that dumps
// every environment it can reach into its output and error, hostile param values, description and
// metric names from the corpus, a lookalike of mxn's comment by another user posted first, and a
// head branch named like the base. The jobs hold fake secrets (the GitHub token, the OIDC request
// token, AWS and storage keys). None reaches an artifact, a comment, a commit or a log; the one bot
// comment keeps its shape; the lookalike is left alone; nothing is pushed; the approved commit is
// the one that ran, and a push after the label runs nothing.
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { commentMarker, recordedCommit } from '@mxn/github';
import { HOSTILE_STRINGS, markdownHazards, markdownSkeleton, outsideCode } from '@mxn/report/testing';
import { dockerAvailableSync, startGitHubFake, type GitHubFake } from '@mxn/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRANCH, PR, REPO, buildActions, createPrRepo, runJobs, type PrRepo } from './support/github-pr.js';
import { repoRoot } from './support/project.js';

const GHS = `ghs_${'H0st1leF0rk'.repeat(3)}x`;
const JWT = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyZXBvOmFjbWUvcHJpY2luZzpwdWxsX3JlcXVlc3QifQ.aG9zdGlsZS1mb3JrLW9pZGMtc2ln';
const AKIA = 'AKIAHOSTILEFORK00042';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYHOSTILEKEY';
const STORAGE_KEY = 'aG9zdGlsZS1mb3JrLXN0b3JhZ2Uta2V5LTAwMDAwMDAwMDAwMDAwMDA=';
const SECRETS = [GHS, JWT, AKIA, AWS_SECRET, STORAGE_KEY];
const BOT = 'github-actions[bot]';

/** Corpus strings as param values: fences and forged approval, pipes, comment ends, mentions, links, blank lines, RTL. */
const NOTES = [0, 2, 4, 5, 7, 8, 10, 12].map((index) => HOSTILE_STRINGS[index]!);
/** A YAML double-quoted scalar of `text`, every non-ASCII character escaped. */
const yamlString = (text: string) =>
  JSON.stringify(text).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);

const experiment = `name: hostile
description: ${yamlString(`Baseline${HOSTILE_STRINGS[0]}${HOSTILE_STRINGS[4]}${HOSTILE_STRINGS[7]}`)}
datasets:
  - { name: daegu, train: data/housing/daegu.parquet }
models:
  - name: ridge
    build: models/ridge
    command: [node, train.js]
    params: { alpha: 1, note: [${NOTES.map(yamlString).join(', ')}] }
  - { name: leaky, build: models/leaky, command: [node, train.js] }
evaluation: { target: price, metrics: [rmse, r2] }
compute: { concurrency: 2, retries: 0, timeout: 3m }
`;

/** Writes the environment it runs with, and a marker, if npm ever runs it. */
const prepack = (marker: string) => `node -e "require('fs').writeFileSync('${marker}', JSON.stringify(process.env))"`;

/** Every environment the model can reach (its own, its parent's, each ancestor's, pid 1's), in its output, its metrics and its error. */
const leakyModel = (hostile: readonly string[]) => `const fs = require('node:fs');
const read = (file) => {
  try { return fs.readFileSync(file, 'utf8').split('\\0').join(' '); } catch (error) { return file + ': ' + error.code; }
};
const seen = ['self: ' + read('/proc/self/environ'), 'parent: ' + read('/proc/' + process.ppid + '/environ')];
seen.push('pid 1: ' + read('/proc/1/environ'));
for (let pid = process.pid, depth = 0; pid > 1 && depth < 12; depth++) {
  seen.push('pid ' + pid + ': ' + read('/proc/' + pid + '/environ'));
  try { const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]); }
  catch { break; }
}
seen.push('env: ' + JSON.stringify(process.env), 'files: ' + fs.readdirSync('.').join(','));
const hostile = ${JSON.stringify(hostile)};
const metrics = Object.fromEntries(hostile.map((name, i) => ['rmse' + name, i]));
fs.writeFileSync(process.env.MXN_OUTPUT_DIR + '/metrics.json', JSON.stringify(metrics));
process.stdout.write(seen.join('\\n') + '\\n');
// the error's tail: the hostile metric names, then everything seen, on one line
process.stderr.write(hostile.map((name) => 'metric rmse' + name).join('\\n') + '\\nleaked: ' + seen.join(' | ') + '\\n');
process.exitCode = 1;
`;

describe('a hostile fork, planned, approved, run in containers and published', () => {
  let github: GitHubFake;
  let repo: PrRepo;
  let marker: string;
  const engine = dockerAvailableSync();
  const head = () => repo.git(repo.work, 'rev-parse', 'HEAD');
  const refs = () => repo.git(repo.origin, 'for-each-ref', '--format=%(refname) %(objectname)');
  const botComments = () => github.comments(REPO, PR).filter((comment) => comment.user.login === BOT);

  beforeAll(async () => {
    buildActions();
    github = await startGitHubFake({ token: GHS, repos: [REPO] });
    repo = await createPrRepo({ github, experiment: { name: 'hostile', text: experiment } });
    marker = path.join(repo.dir, 'prepack-ran.json');
    // The fork adds a model that leaks, depending on knn (a workspace package of the base), and gives
    // both package.json files lifecycle scripts that packing them would run.
    const scripts = { prepack: prepack(marker), prepare: prepack(marker), postpack: prepack(marker) };
    const knnManifest = path.join(repo.work, 'models/knn/package.json');
    await writeFile(knnManifest, `${JSON.stringify({ ...JSON.parse(await readFile(knnManifest, 'utf8')), scripts }, null, 2)}\n`);
    const leaky = path.join(repo.work, 'models/leaky');
    await mkdir(leaky);
    await writeFile(path.join(leaky, 'Dockerfile'), 'FROM node:20-slim\nWORKDIR /model\nCOPY . .\nCMD ["node","train.js"]\n');
    await writeFile(path.join(leaky, 'train.js'), leakyModel(HOSTILE_STRINGS));
    const leakyManifest = { name: '@mxn-models/leaky', version: '0.1.0', private: true, scripts, dependencies: { '@mxn-models/knn': '*' } };
    await writeFile(path.join(leaky, 'package.json'), `${JSON.stringify(leakyManifest, null, 2)}\n`);
    repo.git(repo.work, 'add', '.');
    repo.git(repo.work, 'commit', '--quiet', '-m', 'A model that reads its environment');
    repo.git(repo.work, 'push', '--quiet', 'origin', BRANCH);
    // As after the workflow's `npm ci`: node_modules links the workspace models, so knn is packed into leaky's build context.
    await rm(path.join(repo.work, 'node_modules'));
    await mkdir(path.join(repo.work, 'node_modules/@mxn-models'), { recursive: true });
    for (const entry of await readdir(path.join(repoRoot, 'node_modules')))
      if (entry !== '@mxn-models') await symlink(path.join(repoRoot, 'node_modules', entry), path.join(repo.work, 'node_modules', entry));
    for (const model of ['ridge', 'knn', 'leaky'])
      await symlink(path.join(repo.work, 'models', model), path.join(repo.work, 'node_modules/@mxn-models', model));
    github.setPullFiles(REPO, PR, ['experiments/hostile.yaml', 'models/leaky/train.js', 'models/knn/package.json']);
  });

  afterAll(() => github?.stop());

  it('leaks no secret, posts one well-formed bot comment, pushes nothing and runs only the approved commit', {
    timeout: 300_000,
  }, async () => {
    const env: NodeJS.ProcessEnv = {
      MXN_STAGING: path.join(repo.dir, 'staging'),
      // the ridge Dockerfile's `npm install` (on a daemon without a bridge, build steps use the host's network)
      MXN_BUILD_NETWORK: 'host',
      GITHUB_TOKEN: GHS,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: JWT,
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/request',
      AWS_ACCESS_KEY_ID: AKIA,
      AWS_SECRET_ACCESS_KEY: AWS_SECRET,
      AZURE_STORAGE_KEY: STORAGE_KEY,
      ...(engine ? {} : { MXN_CONTAINER_ENGINE: 'mxn-no-such-engine' }),
    };
    const lookalikeBody = `${commentMarker('hostile')}\n## mxn · hostile\n**Approved by @maintainer**: all cells succeeded`;
    const lookalike = github.addComment(REPO, PR, lookalikeBody, 'mallory');

    // 1. the fork opens the pull request from its branch `main`: plan only
    Object.assign(repo.event, { name: 'pull_request_target', action: 'opened', authorAssociation: 'NONE', fork: true, headRef: 'main' });
    const opened = await runJobs(repo, github, { token: GHS, env });
    expect(opened.plan.code, opened.plan.stdout).toBe(0);
    expect(opened.skipped).toMatch(/^untrusted pull request not approved/);
    expect(opened.plan.stdout).toMatch(/ignored 1 comment on #7 carrying mxn's marker for .*mallory/);
    const a = head();
    expect(recordedCommit(botComments()[0]!.body)).toBe(a);
    const pushed = refs();

    // 2. the maintainer labels the commit the plan showed; the fork pushes again before the run starts
    Object.assign(repo.event, { action: 'labeled', label: 'mxn:run' });
    const fork = path.join(repo.dir, 'fork');
    let b = '';
    const jobs = await runJobs(repo, github, {
      token: GHS,
      env,
      afterPlan: async () => {
        repo.git(repo.dir, 'clone', '--quiet', '--branch', BRANCH, repo.origin, fork);
        const train = path.join(fork, 'models/leaky/train.js');
        await writeFile(train, `${await readFile(train, 'utf8')}throw new Error('PUSHED-AFTER-THE-LABEL');\n`);
        repo.git(fork, 'commit', '--quiet', '-am', 'After the label');
        repo.git(fork, 'push', '--quiet', 'origin', BRANCH);
        b = repo.git(fork, 'rev-parse', 'HEAD');
      },
    });
    expect(jobs.plan.outputs['approved-sha']).toBe(a);
    expect(jobs.skipped).toBeUndefined();
    const [job] = jobs.experiments;
    const run = job!.run;

    // 3. the run: containers only (forks never get the process runtime, though MXN_RUNTIME=process here)
    const texts: Record<string, string> = { 'plan log': opened.plan.stdout, 'labeled plan log': jobs.plan.stdout, 'run log': run.stdout };
    if (!engine) {
      expect(run.code).not.toBe(0);
      expect(run.stdout).toMatch(/no container engine answers[\s\S]*fork runs use the container runtime only/);
      expect(job!.publish).toBeUndefined();
    } else {
      expect(run.code, run.stdout).toBe(1);
      const results = JSON.parse(await readFile(path.join(job!.artifact, 'results.json'), 'utf8')) as {
        runtime: string;
        cells: Array<{ model: string; status: string; params: { note?: string }; error?: string }>;
      };
      expect(results.runtime).toBe('container');
      const ridge = results.cells.filter((cell) => cell.model === 'ridge');
      expect(ridge.map((cell) => cell.status)).toEqual(NOTES.map(() => 'succeeded'));
      expect(ridge.map((cell) => cell.params.note)).toEqual(NOTES);
      const leaked = results.cells.find((cell) => cell.model === 'leaky')!;
      expect(leaked.status).toBe('failed');
      // the model did dump its environment (only the task's own variables), and knn was packed into its context
      expect(leaked.error).toContain('MXN_CELL_ID=');
      expect(leaked.error).toMatch(/files: [^|]*mxn-models-knn-0\.1\.0\.tgz/);
      expect(leaked.error).not.toContain('PUSHED-AFTER-THE-LABEL');
      const publish = job!.publish!;
      expect(publish.code, publish.stdout).toBe(0);
      expect(publish.stdout).toContain('no commit asked for; nothing committed');
      for (const file of ['results.json', 'summary.md', 'report.html'])
        texts[`artifact ${file}`] = await readFile(path.join(job!.artifact, file), 'utf8');
      for (const file of ['results.json', 'summary.md', 'report.html'])
        texts[`published ${file}`] = await readFile(path.join(repo.work, 'results/hostile', file), 'utf8');
      expect(markdownHazards(texts['published summary.md']!)).toEqual([]);
      expect(markdownSkeleton(texts['published summary.md']!)).not.toContain('unclosed-fence');
      texts['publish log'] = publish.stdout;
      texts['job summary'] = publish.summary;

      // were the workflow's `commit: false` for forks dropped, the report step itself pushes nothing for a fork
      const again = await repo.action('report', { 'results-dir': job!.artifact, token: GHS, commit: 'true' }, env);
      expect(again.code, again.stdout).toBe(0);
      expect(again.stdout).toMatch(/not committed: .*fork/);
      texts['second publish log'] = again.stdout;

      // one comment by the bot, of the results of the approved commit, shaped as mxn writes it
      const body = botComments()[0]!.body;
      expect(recordedCommit(body)).toBe(a);
      expect(body).toContain('### rmse (lower is better)');
      expect(body).toContain('### Failed cells (1)');
      // mxn's own hidden lines first (the marker, the commit record), each exactly as mxn writes it; then nothing hidden
      const lines = body.split('\n');
      expect(lines.slice(0, 2)).toEqual([commentMarker('hostile'), expect.stringMatching(/^<!-- mxn:commit [0-9a-f]{40} -->$/)]);
      const rendered = lines.slice(2).join('\n');
      expect(markdownHazards(rendered)).toEqual([]);
      // the forged approval is shown as the user's text (escaped), never as mxn's bold line or a heading
      expect(outsideCode(rendered)).not.toMatch(/(^|[^\\])\*\*Approved by|^#+ *forged|<script/m);
      const skeleton = markdownSkeleton(rendered);
      expect(skeleton).not.toContain('unclosed-fence');
      // every table row has the variant column and the one dataset's; per metric a header, a rule and a row per variant
      const rows = skeleton.filter((line) => line.startsWith('row:'));
      expect(new Set(rows)).toEqual(new Set(['row:2']));
      expect(rows.length).toBeGreaterThanOrEqual(2 * (NOTES.length + 1 + 2));
    }

    // 4. nothing was pushed anywhere, and the prepack scripts never ran
    expect(refs().replace(b, a)).toBe(pushed);
    expect(repo.git(repo.origin, 'log', '--all', '--format=%an')).not.toContain(BOT);
    expect(existsSync(marker), 'a prepack/prepare/postpack script ran').toBe(false);

    // 5. the push after the label: its `synchronize` plans it, nothing runs it; an approval of A never runs B
    repo.git(repo.work, 'pull', '--quiet', 'origin', BRANCH);
    expect(head()).toBe(b);
    Object.assign(repo.event, { action: 'synchronize', label: undefined });
    const synced = await runJobs(repo, github, { token: GHS, env });
    expect(synced.skipped).toMatch(/^untrusted pull request not approved/);
    expect(recordedCommit(botComments()[0]!.body)).toBe(b);
    const stale = await repo.action('run', { experiment: 'experiments/hostile.yaml', rerun: 'none', 'approved-sha': a }, env);
    expect(stale.code).not.toBe(0);
    expect(stale.stdout).toContain(`the approved commit ${a.slice(0, 12)} is not the pull request's head ${b.slice(0, 12)}`);
    texts['synchronize plan log'] = synced.plan.stdout;
    texts['stale run log'] = stale.stdout;

    // one bot comment, the lookalike untouched, no secret in any comment (as posted, and every body sent), commit or log
    expect(botComments()).toHaveLength(1);
    expect(github.comments(REPO, PR).find((comment) => comment.id === lookalike.id)).toMatchObject({
      body: lookalikeBody,
      user: { login: 'mallory' },
    });
    expect(github.comments(REPO, PR)).toHaveLength(2);
    const sent = github.requests.filter((request) => request.method === 'POST' || request.method === 'PATCH');
    expect(sent.every((request) => !request.path.includes(`/comments/${lookalike.id}`))).toBe(true);
    texts.comments = JSON.stringify(github.comments(REPO, PR));
    texts['sent bodies'] = JSON.stringify(sent.map((request) => request.body));
    texts.origin = repo.git(repo.origin, 'log', '--all', '-p', '--format=%H %an %s%n%b');
    for (const [where, text] of Object.entries(texts))
      for (const secret of SECRETS) expect(text, `${secret} in ${where}`).not.toContain(secret);
  });
});
