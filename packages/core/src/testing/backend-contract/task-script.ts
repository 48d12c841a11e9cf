/**
 * The one program every contract task runs (as `node -e TASK_SCRIPT`), so a backend needs nothing
 * but Node.js in its tasks. What it does is chosen by `MXN_PARAMS.mode`:
 * - `echo`: records the inputs it sees and its environment in `seen.json`, writes `artifacts/model.txt`.
 * - `fail`: prints numbered lines to stderr and exits with `code`.
 * - `flaky`: fails on the first attempt (leaving `stale.txt`), succeeds once `marker` exists.
 * - `sleep`: writes its pid to `pidFile` (when given), then sleeps `ms`.
 * - `span`: sleeps `ms` and records when it started and ended in `span.json`.
 * - `aggregate`: reads `manifest.json` and lists the files under each cell folder into `aggregate.json`.
 * Every mode first prints one line to stdout and one to stderr.
 */
export const TASK_SCRIPT = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const started = Date.now();
const params = JSON.parse(process.env.MXN_PARAMS || '{}');
const input = process.env.MXN_INPUT_DIR;
const output = process.env.MXN_OUTPUT_DIR;
const id = process.env.MXN_CELL_ID;
const put = (name, value) => {
  const file = path.join(output, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
};
const filesUnder = (dir) => {
  const out = [];
  const walk = (sub) => {
    for (const name of fs.readdirSync(path.join(dir, sub))) {
      const rel = sub ? sub + '/' + name : name;
      if (fs.statSync(path.join(dir, rel)).isDirectory()) walk(rel);
      else out.push(rel);
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out.sort();
};
process.stdout.write('stdout of ' + id + '\n');
process.stderr.write('stderr of ' + id + '\n');
switch (params.mode) {
  case 'echo': {
    const files = {};
    for (const rel of filesUnder(input)) files[rel] = fs.readFileSync(path.join(input, rel), 'utf8');
    const env = {};
    for (const name of Object.keys(process.env)) if (name.startsWith('MXN_') || name.startsWith('CONTRACT_')) env[name] = process.env[name];
    put('seen.json', { files, env, cwd: process.cwd() });
    put('artifacts/model.txt', 'model of ' + id);
    break;
  }
  case 'fail': {
    for (let line = 1; line <= 25; line++) process.stderr.write('boom line ' + line + '\n');
    process.exitCode = params.code;
    break;
  }
  case 'flaky': {
    if (fs.existsSync(params.marker)) {
      put('ok.txt', 'ok');
    } else {
      fs.writeFileSync(params.marker, 'first attempt failed');
      put('stale.txt', 'left by the failed attempt');
      process.exitCode = 1;
    }
    break;
  }
  case 'sleep': {
    if (params.pidFile) fs.writeFileSync(params.pidFile, String(process.pid));
    setTimeout(() => put('woke.txt', 'woke'), params.ms);
    break;
  }
  case 'span': {
    setTimeout(() => put('span.json', { start: started, end: Date.now() }), params.ms);
    break;
  }
  case 'aggregate': {
    const manifest = JSON.parse(fs.readFileSync(path.join(input, 'manifest.json'), 'utf8'));
    const files = {};
    for (const cell of manifest.cells) files[cell.id] = filesUnder(path.join(input, cell.dir));
    put('aggregate.json', { manifest, files, at: started });
    break;
  }
  default:
    process.stderr.write('unknown mode ' + params.mode + '\n');
    process.exitCode = 64;
}
`;
