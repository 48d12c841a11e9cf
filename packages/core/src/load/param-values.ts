/**
 * What a param value may be: JSON data, where a list is a grid axis and a list of one list
 * (`[[64, 32]]`) is one fixed list value. There is no `grid:` form, and a number JSON cannot carry
 * (`.inf`, `.nan`) is refused rather than turned into `null`.
 */

/** Why `params.<name>: value` is refused, or `undefined` when it is fine. */
export function paramValueProblem(name: string, value: unknown): string | undefined {
  if (isGridForm(value))
    return (
      `params.${name} uses a "grid:" form, which mxn does not have: a list is already a grid; ` +
      `write ${name}: [a, b] for a grid, or ${name}: [[a, b]] for one fixed list value`
    );
  const bad = nonFinite(value);
  if (bad !== undefined) return `params.${name} holds ${bad}, which JSON (MXN_PARAMS) cannot carry; pass it as a string, e.g. "${bad}"`;
  return undefined;
}

function isGridForm(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.includes('grid') && keys.every((key) => key === 'grid' || key === 'fixed' || key === 'values');
}

function nonFinite(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf';
  if (value && typeof value === 'object') {
    for (const item of Object.values(value)) {
      const found = nonFinite(item);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
