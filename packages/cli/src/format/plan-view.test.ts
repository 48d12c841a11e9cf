import type { Plan } from '@mxn/core';
import { describe, expect, it } from 'vitest';
import type { Output } from '../output.js';
import { renderPlan } from './plan-view.js';

describe('renderPlan', () => {
  it('prints hostile names on their own row, without escape sequences or workflow commands', () => {
    const variants = ['ridge\u001b[2J\u001b[H', '::error::forged'];
    const datasets = ['seoul\n::warning::x', 'busan\u202Eevil ##[error]x'];
    const plan: Plan = {
      experiment: 'demo\u001b]0;title\u0007',
      runtime: 'container',
      runId: 'run-1\r\nx',
      variants,
      datasets,
      cells: variants.flatMap((variant) =>
        datasets.map((dataset) => ({
          id: `${variant}@${dataset}`,
          model: 'ridge',
          variant,
          params: {},
          dataset,
          key: 'k',
          inputKey: 'i',
          command: ['node'],
          willRun: true,
        })),
      ),
    };
    const output: Output = { out: process.stdout, err: process.stderr, color: false };
    const text = renderPlan(plan, output, ['pool\nline']);
    // header, 2 variants, blank, summary, one backend line
    expect(text.trimEnd().split('\n')).toHaveLength(6);
    for (const char of ['\u001b', '\u0007', '\u202E', '\r']) expect(text).not.toContain(char);
    expect(text).not.toMatch(/^\s*::|##\[/m);
  });
});
