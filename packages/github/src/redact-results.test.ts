// The report step's own pass of the one redactor over results another job wrote: every string, keys too.
import { sampleResults } from '@mxn/report/testing';
import { describe, expect, it } from 'vitest';
import { redactResults } from './redact-results.js';

describe('redactResults', () => {
  it("masks the step's secrets and token shapes in a model's own metrics (keys and values), errors and the aggregate", () => {
    const token = `ghs_${'St3pT0k3n'.repeat(3)}`;
    const results = sampleResults();
    results.cells[0]!.modelMetrics = { [`INPUT_TOKEN=${token}`]: token, nested: [{ key: 'AKIAIOSFODNN7EXAMPLE' }], rmse: 2 };
    results.cells[1]!.error = `leaked plain-step-secret-1`;
    const masked = redactResults(results, { INPUT_TOKEN: token, MY_SECRET: 'plain-step-secret-1' });
    expect(masked.cells[0]!.modelMetrics).toEqual({ 'INPUT_TOKEN=***': '***', nested: [{ key: 'AKIA***' }], rmse: 2 });
    expect(masked.cells[1]!.error).toBe('leaked ***');
    expect(JSON.stringify(masked)).not.toMatch(/St3pT0k3n|plain-step-secret/);
    expect(masked.cells.length).toBe(results.cells.length);
  });
});
