import { describe, expect, it } from 'vitest';
import { MAX_VARIANT_BYTES, unsafeIdReason } from './ids.js';
import { expandVariants } from './variants.js';

describe('unsafeIdReason', () => {
  it('accepts ordinary ids and names what is wrong with the others', () => {
    for (const id of ['ridge[alpha=0.1]@seoul', 'mlp[layers=[64,32],act=relu]@a.b', 'svc[kernel=rbf,C=-1]@x', 'm[opt={"a":1}]@d'])
      expect(unsafeIdReason(id)).toBeUndefined();
    expect(unsafeIdReason('')).toBe('is empty');
    expect(unsafeIdReason('a\n::error::forged@d')).toMatch(/control, invisible or line-break/);
    expect(unsafeIdReason('a\u202eb')).toMatch(/control, invisible/);
    expect(unsafeIdReason('a\u2028b')).toMatch(/line-break/);
    expect(unsafeIdReason('a/b')).toMatch(/"\/"/);
    expect(unsafeIdReason('a\\b')).toMatch(/"\\"/);
    expect(unsafeIdReason('a..b')).toBe('holds ".."');
    expect(unsafeIdReason('.')).toBe('is "."');
    expect(unsafeIdReason('-rf')).toBe('starts with "-"');
    expect(unsafeIdReason('x'.repeat(201))).toBe('is longer than 200 bytes');
  });
});

describe('expandVariants with hostile params', () => {
  it('keeps ordinary names as they were and encodes what would break an id, with the full values in params', () => {
    const variants = expandVariants('m', {
      text: ['plain', 'two\nlines\n::error::forged', 'a/../b', 'zero\u200bwidth'],
      'bad/key': [1],
    });
    expect(variants.map((variant) => variant.name)).toEqual([
      expect.stringMatching(/^m\[text=plain,~[0-9a-f]{10}\]$/),
      expect.stringMatching(/^m\[text=~[0-9a-f]{10},~[0-9a-f]{10}\]$/),
      expect.stringMatching(/^m\[text=~[0-9a-f]{10},~[0-9a-f]{10}\]$/),
      expect.stringMatching(/^m\[text=~[0-9a-f]{10},~[0-9a-f]{10}\]$/),
    ]);
    expect(new Set(variants.map((variant) => variant.name)).size).toBe(4);
    expect(variants[1]!.params).toEqual({ text: 'two\nlines\n::error::forged', 'bad/key': 1 });
    for (const variant of variants) expect(unsafeIdReason(`${variant.name}@dataset`)).toBeUndefined();
    // the same value always gives the same name (a stable id for the cache's readable side)
    expect(expandVariants('m', { text: ['two\nlines\n::error::forged'] })[0]!.name).toBe(
      `m[text=${variants[1]!.name.split(',')[0]!.split('=')[1]}]`,
    );
  });

  it('shortens a name over 128 bytes to a digest of its params', () => {
    const [long, other] = expandVariants('m', { layers: [Array.from({ length: 60 }, (_, i) => i), [1]], seed: ['é'.repeat(100)] });
    // unencoded, each would be `m[layers=[0,1,…,59],seed=éé…]`: well over 128 bytes
    expect(Buffer.byteLength(`m[layers=[1],seed=${'é'.repeat(100)}]`)).toBeGreaterThan(MAX_VARIANT_BYTES);
    expect(long!.name).toMatch(/^m\[~[0-9a-f]{12}\]$/);
    expect(other!.name).toMatch(/^m\[~[0-9a-f]{12}\]$/);
    expect(long!.name).not.toBe(other!.name);
  });
});
