import { describe, expect, it } from 'vitest';
import { expandVariants } from './variants.js';

describe('expandVariants', () => {
  it('keeps a model without lists as one variant named after the model', () => {
    expect(expandVariants('ridge', { alpha: 1 })).toEqual([{ name: 'ridge', params: { alpha: 1 }, fixed: { alpha: '1' } }]);
  });

  it('makes the product of every list, naming only the varying params', () => {
    const variants = expandVariants('forest', { trees: [10, 50], depth: [3, 6, 9], seed: 7 });
    expect(variants).toHaveLength(6);
    expect(variants[0]).toEqual({
      name: 'forest[trees=10,depth=3]',
      params: { trees: 10, depth: 3, seed: 7 },
      fixed: { seed: '7' },
    });
    expect(variants.at(-1)!.name).toBe('forest[trees=50,depth=9]');
    expect(new Set(variants.map((variant) => variant.name)).size).toBe(6);
  });
});
