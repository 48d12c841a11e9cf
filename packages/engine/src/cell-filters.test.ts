import { describe, expect, it } from 'vitest';
import { parseOnly, parseOnlyFlags } from './cell-filters.js';

describe('--only', () => {
  it('reads one key given twice as either value, and different keys as all of them', () => {
    expect(parseOnly('model=a,dataset=x,dataset=y')).toEqual([
      { model: 'a', dataset: 'x' },
      { model: 'a', dataset: 'y' },
    ]);
    expect(parseOnly('dataset=x')).toEqual([{ dataset: 'x' }]);
    expect(parseOnly('model=ridge[alpha=0.1],model=knn')).toEqual([{ model: 'ridge[alpha=0.1]' }, { model: 'knn' }]);
    expect(parseOnlyFlags(['model=a', 'dataset=y,dataset=y'])).toEqual([{ model: 'a' }, { dataset: 'y' }]);
  });

  it('refuses other keys and empty values with the form it expects', () => {
    expect(() => parseOnly('colour=red')).toThrow(/--only expects model=NAME and\/or dataset=NAME, got "colour=red"/);
    expect(() => parseOnly('model=')).toThrow(/got "model="/);
  });
});
