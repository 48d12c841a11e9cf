/**
 * `--only` as people write it: `model=a,dataset=x,dataset=y` selects model a on dataset x OR y.
 * Within one `--only`, several values of one key are alternatives and different keys must all
 * match; several `--only` flags are alternatives too.
 */
import type { CellFilter } from '@mxn/core';
import { MxnError } from '@mxn/errors';

const FIELDS = ['model', 'dataset'] as const;

/** Parses one `--only` value into the filters it means (any of them selects a cell). */
export function parseOnly(text: string): CellFilter[] {
  const values: Record<(typeof FIELDS)[number], string[]> = { model: [], dataset: [] };
  for (const part of text.split(/,(?=\s*(?:model|dataset)=)/)) {
    const at = part.indexOf('=');
    const field = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if ((field !== 'model' && field !== 'dataset') || !value)
      throw new MxnError('Usage', `--only expects model=NAME and/or dataset=NAME, got "${part}"`, {
        hint: 'e.g. --only model=ridge,dataset=seoul,dataset=busan (one key given twice means either)',
      });
    if (!values[field].includes(value)) values[field].push(value);
  }
  const models = values.model.length ? values.model : [undefined];
  const datasets = values.dataset.length ? values.dataset : [undefined];
  return models.flatMap((model) =>
    datasets.map((dataset): CellFilter => ({ ...(model ? { model } : {}), ...(dataset ? { dataset } : {}) })),
  );
}

/** Every `--only` flag's filters together. */
export function parseOnlyFlags(texts: readonly string[] = []): CellFilter[] {
  return texts.flatMap(parseOnly);
}
