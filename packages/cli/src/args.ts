/** Parses a command's arguments with node's parseArgs; bad flags become one clear usage error. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MxnError } from '@mxn/errors';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new MxnError('Usage', `mxn ${command}: ${(error as Error).message}`, { hint: `run "mxn ${command} --help"` });
  }
}

export function onePositional(command: string, positionals: string[], what: string): string {
  if (positionals.length !== 1)
    throw new MxnError('Usage', `mxn ${command}: expected one ${what}, got ${positionals.length}`, {
      hint: `usage: mxn ${command} <${what}>`,
    });
  return positionals[0]!;
}
