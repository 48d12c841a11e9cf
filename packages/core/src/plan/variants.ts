export interface Variant {
  /** `ridge`, or `ridge[alpha=0.1]` when the model has a grid (only the varying params are named). */
  name: string;
  params: Record<string, unknown>;
}

/** Expands a model's `params` into variants: every list is a grid axis, every other value is fixed. */
export function expandVariants(model: string, params: Record<string, unknown> = {}): Variant[] {
  const axes = Object.entries(params).filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]));
  if (axes.length === 0) return [{ name: model, params: { ...params } }];
  let combos: Array<Array<[string, unknown]>> = [[]];
  for (const [key, values] of axes)
    combos = combos.flatMap((combo) => values.map((value) => [...combo, [key, value] as [string, unknown]]));
  return combos.map((combo) => ({
    name: `${model}[${combo.map(([key, value]) => `${key}=${formatValue(value)}`).join(',')}]`,
    params: { ...params, ...Object.fromEntries(combo) },
  }));
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
