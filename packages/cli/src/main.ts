/** The `mxn` command: a thin shell over @mxn/core. */
import { buildCommand } from './commands/build.js';
import { logsCommand } from './commands/logs.js';
import { planCommand } from './commands/plan.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { syncCommand } from './commands/sync.js';
import { validateCommand } from './commands/validate.js';
import { defaultOutput, type Output } from './output.js';
import { reportError } from './report-error.js';

/** What every command may read besides its own flags: `--verbose` (error causes; `run`: the model's live output). */
export interface CommandContext {
  verbose: boolean;
}

const COMMANDS: Record<string, (argv: string[], output: Output, context: CommandContext) => Promise<number>> = {
  validate: validateCommand,
  plan: planCommand,
  run: runCommand,
  report: reportCommand,
  sync: syncCommand,
  build: buildCommand,
  logs: logsCommand,
};

const USAGE = `usage: mxn <command> [options]

  validate <experiment.yaml>   check an experiment file and its datasets
  plan <experiment.yaml>       show the m × n matrix and what would run
  run <experiment.yaml>        run it (locally by default) and write results
  report <results.json>        render summary.md and report.html from results
  sync <source> <destination>  copy objects between paths, s3:// and az:// (skips identical ones)
  build <experiment.yaml>      build the model images (--push: and push them to the registry)
  logs <experiment.yaml> <cell>  print a cell's stdout and stderr (a cell id or model=…,dataset=…)

Add --help after a command for its options. --verbose shows error causes (and with run, one cell's live output);
--version the version.`;

export async function main(argv: string[], output: Output = defaultOutput()): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((arg) => arg !== '--verbose');
  const [name, ...rest] = args;
  if (name === '--version' || name === '-v' || name === 'version') {
    output.out.write(`mxn ${await cliVersion()}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    output.out.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    output.err.write(`mxn: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command(rest, output, { verbose });
  } catch (error) {
    return reportError(error, output, verbose);
  }
}

async function cliVersion(): Promise<string> {
  const manifest = new URL('../package.json', import.meta.url);
  const { readFile } = await import('node:fs/promises');
  return (JSON.parse(await readFile(manifest, 'utf8')) as { version: string }).version;
}
