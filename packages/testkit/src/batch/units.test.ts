import { describe, expect, it } from 'vitest';
import { sign, stringToSign, verifySharedKey } from './auth.js';
import { evaluateFormula } from './autoscale.js';
import { globToRegExp } from './files.js';
import { compileFilter } from './odata.js';
import { splitCommandLine } from './runner.js';
import { durationMs } from './spec.js';

describe('SharedKey string to sign', () => {
  const key = Buffer.from('k'.repeat(32)).toString('base64');
  const headers = { 'ocp-date': 'Sat, 01 Jan 2022 00:00:00 GMT', 'content-type': 'application/json; charset=utf-8' };

  it('signs decoded, sorted query parameters and the account path', () => {
    const s = stringToSign(
      'GET',
      '/jobs/j1/tasks?maxresults=2&api-version=2025-06-01&%24filter=state%20eq%20%27active%27',
      headers,
      'acct',
      0,
    );
    expect(s.endsWith("/acct/jobs/j1/tasks\n$filter:state eq 'active'\napi-version:2025-06-01\nmaxresults:2")).toBe(true);
    expect(s.split('\n').slice(0, 13)).toEqual([
      'GET',
      '',
      '',
      '',
      '',
      'application/json; charset=utf-8',
      '',
      '',
      '',
      '',
      '',
      '',
      'ocp-date:Sat, 01 Jan 2022 00:00:00 GMT',
    ]);
  });

  it('accepts a bodiless POST signed with Content-Length 0 or empty, and rejects a tampered path', () => {
    const url = '/pools/p/disableautoscale?api-version=2025-06-01';
    for (const emptyZero of [false, true]) {
      const auth = `SharedKey acct:${sign(stringToSign('POST', url, headers, 'acct', 0, emptyZero), key)}`;
      expect(() => verifySharedKey('POST', url, { ...headers, authorization: auth }, 0, 'acct', key)).not.toThrow();
      expect(() => verifySharedKey('POST', url.replace('/p/', '/q/'), { ...headers, authorization: auth }, 0, 'acct', key)).toThrow(
        /authenticate/,
      );
    }
  });
});

describe('autoscale formulas', () => {
  it('follows pending tasks up to a cap and back to zero', () => {
    const f =
      '$tasks = $PendingTasks.GetSample(TimeInterval_Minute * 5);\n' +
      '$TargetDedicatedNodes = $tasks > 0 ? min(max($tasks), 4) : 0;\n$NodeDeallocationOption = taskcompletion;';
    expect(evaluateFormula(f, { $PendingTasks: 9 })).toMatchObject({ targetDedicatedNodes: 4, nodeDeallocationOption: 'taskcompletion' });
    expect(evaluateFormula(f, { $PendingTasks: 2 }).targetDedicatedNodes).toBe(2);
    const idle = evaluateFormula(f, { $PendingTasks: 0 });
    expect(idle.targetDedicatedNodes).toBe(0);
    expect(idle.results).toContain('$TargetDedicatedNodes=0;$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion');
  });

  it('reports syntax errors and unassigned user variables', () => {
    expect(() => evaluateFormula('$TargetDedicatedNodes = 1 +;', {})).toThrow(/autoscale/);
    expect(() => evaluateFormula('$TargetDedicatedNodes = nope;', {})).toThrow(/used before it is assigned/);
    expect(evaluateFormula('$TargetLowPriorityNodes = -3; x = 2; $TargetDedicatedNodes = x * 1.6', {})).toMatchObject({
      targetDedicatedNodes: 3,
      targetLowPriorityNodes: 0,
    });
  });
});

describe('$filter', () => {
  const items = [
    { id: '1', state: 'completed', stateTransitionTime: '2024-01-01T00:00:02.000Z', executionInfo: { result: 'failure' } },
    { id: '2', state: 'completed', stateTransitionTime: '2024-01-01T00:00:00.000Z', executionInfo: { result: 'success' } },
    { id: '3', state: 'running', stateTransitionTime: '2024-01-01T00:00:05.000Z' },
  ];
  const ids = (f: string) => items.filter(compileFilter(f)).map((i) => i.id);
  it('combines state and time comparisons with and/or', () => {
    expect(ids("state eq 'completed' and stateTransitionTime gt datetime'2024-01-01T00:00:01Z'")).toEqual(['1']);
    expect(ids("state eq 'running' or (executionInfo/result eq 'success')")).toEqual(['2', '3']);
    expect(ids("stateTransitionTime ge datetime'2024-01-01T00:00:00Z'")).toEqual(['1', '2', '3']);
    expect(() => compileFilter("state eq 'a' and")).toThrow(expect.objectContaining({ code: 'InvalidQueryParameterValue' }));
  });
});

describe('helpers', () => {
  it('splits command lines like Batch (no shell)', () => {
    expect(splitCommandLine(`node -e "console.log('a b')" x\\ y ''`)).toEqual(['node', '-e', "console.log('a b')", 'x y', '']);
  });
  it('matches output file patterns', () => {
    expect(globToRegExp('**/*').test('a/b/c.txt')).toBe(true);
    expect(globToRegExp('**/*').test('c.txt')).toBe(true);
    expect(globToRegExp('**/*').test('.hidden')).toBe(false);
    expect(globToRegExp('*.parquet').test('sub/p.parquet')).toBe(false);
    expect(globToRegExp('std[eo]*.txt').test('stdout.txt')).toBe(true);
    expect(globToRegExp('[!a]?.txt').test('ab.txt')).toBe(false);
  });
  it('reads ISO 8601 durations', () => {
    expect(durationMs('PT15M')).toBe(900_000);
    expect(durationMs('P1DT0.5S')).toBe(86_400_500);
  });
});
