// The steps' one logger: what a cell id, a param value or a model's error puts in a log line can
// never be a workflow command, an ANSI escape or a secret the step knows.
import { describe, expect, it } from 'vitest';
import { stepLogger } from './step-log.js';

describe('stepLogger', () => {
  it('a cell id or param value with `::error::`, `##[` or ANSI escapes produces no workflow command line', () => {
    const written: string[] = [];
    const log = stepLogger({ info: (message) => written.push(message) }, { INPUT_TOKEN: 'sekrit-token-value-123' });
    log('ridge[x=::error::forged]@d: failed\n::error file=a.py::forged annotation\n  ::add-mask::x');
    log('::set-output name=x::y');
    log('\u001b[2J\u001b[31m##[error]red\r::warning::after a carriage return\u2028::notice::after a line separator');
    log('the model said sekrit-token-value-123');
    // what the runner reads: every line of everything written
    const lines = written.flatMap((message) => message.split(/\r\n|\n/));
    expect(lines.filter((line) => /^\s*::/.test(line) || line.includes('##['))).toEqual([]);
    expect(written.join('\n')).not.toContain('\u001b');
    expect(written.join('\n')).not.toContain('sekrit-token-value-123');
    expect(written).toEqual([
      'ridge[x=::error::forged]@d: failed',
      '\\::error file=a.py::forged annotation',
      '  \\::add-mask::x',
      '\\::set-output name=x::y',
      '##\\[error]red ::warning::after a carriage return ::notice::after a line separator',
      expect.stringMatching(/^the model said (?!sekrit)/),
    ]);
  });
});
