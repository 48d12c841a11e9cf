import { describe, expect, it } from 'vitest';
import { writeParquet } from '@mxn/data';
import type { Table } from '@mxn/data';
import { HOUSING_COLUMNS, generateHousing } from './generate-housing.js';
import { REGIONS, REGION_NAMES } from './regions.js';

const numeric = (t: Table, name: string): Float64Array => t.columns[name] as Float64Array;
const strings = (t: Table, name: string): Array<string | null> => t.columns[name] as Array<string | null>;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] as number;
};

describe('generateHousing', () => {
  it('gives identical bytes for the same seed and different data for another seed', () => {
    const a = writeParquet(generateHousing({ region: 'busan', rows: 500, seed: 7 }));
    const b = writeParquet(generateHousing({ region: 'busan', rows: 500, seed: 7 }));
    const c = writeParquet(generateHousing({ region: 'busan', rows: 500, seed: 8 }));
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(c))).not.toBe(0);
  });

  it('has the documented columns, default sizes that differ per region, and no missing or non-finite values', () => {
    const sizes = new Set<number>();
    for (const region of REGION_NAMES) {
      const table = generateHousing({ region, seed: 1 });
      expect(table.names).toEqual([...HOUSING_COLUMNS]);
      expect(table.numRows).toBe(REGIONS[region].rows);
      sizes.add(table.numRows);
      for (const name of table.names) {
        const col = table.columns[name];
        expect(col?.length).toBe(table.numRows);
        if (col instanceof Float64Array) expect(col.every(Number.isFinite), `${region}.${name}`).toBe(true);
        else
          expect(
            col?.every((v) => typeof v === 'string' && v.length > 0),
            `${region}.${name}`,
          ).toBe(true);
      }
    }
    expect(sizes.size).toBe(REGION_NAMES.length);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1500);
  });

  it('keeps every feature in a plausible range', () => {
    const t = generateHousing({ region: 'seoul', rows: 3000, seed: 3 });
    const within = (name: string, min: number, max: number) =>
      expect(
        numeric(t, name).every((v) => v >= min && v <= max),
        name,
      ).toBe(true);
    within('area_m2', 14, 320);
    within('rooms', 1, 7);
    within('age_years', 0, 60);
    within('floor', 1, REGIONS.seoul.maxFloor);
    within('distance_to_center_km', 0, 40);
    within('lat', 37.2, 37.9);
    within('price', 1, 1e5);
    expect(new Set(strings(t, 'building_type'))).toEqual(new Set(['apartment', 'officetel', 'villa', 'house']));
  });

  it('makes regions really differ: their districts, price levels and price per m² across districts', () => {
    const tables = REGION_NAMES.map((region) => generateHousing({ region, rows: 1500, seed: 5 }));
    const districtSets = tables.map((t) => [...new Set(strings(t, 'district'))].sort().join(','));
    expect(new Set(districtSets).size).toBe(tables.length);
    const medians = tables.map((t) => median(Array.from(numeric(t, 'price'))));
    // each region's median price differs from the others' by more than 15 %
    for (let i = 0; i < medians.length; i++) {
      for (let j = i + 1; j < medians.length; j++) {
        expect(
          Math.abs(Math.log((medians[i] as number) / (medians[j] as number))),
          `${REGION_NAMES[i]} vs ${REGION_NAMES[j]}`,
        ).toBeGreaterThan(0.15);
      }
    }
  });

  it('prices follow the structure: district premiums and area drive price, with diminishing returns on area', () => {
    const t = generateHousing({ region: 'seoul', seed: 11 });
    const price = numeric(t, 'price');
    const area = numeric(t, 'area_m2');
    const district = strings(t, 'district');
    const type = strings(t, 'building_type');
    const perM2 = (name: string) =>
      median(
        Array.from(price)
          .map((p, i) => p / (area[i] as number))
          .filter((_, i) => district[i] === name),
      );
    expect(perM2('gangnam')).toBeGreaterThan(2 * perM2('guro'));
    // among apartments of one ordinary district, price per m² is lower for big homes than for small ones (diminishing returns)
    const apt = Array.from(price.keys()).filter((i) => type[i] === 'apartment' && district[i] === 'nowon');
    const small = apt.filter((i) => (area[i] as number) < 65).map((i) => (price[i] as number) / (area[i] as number));
    const big = apt.filter((i) => (area[i] as number) > 110).map((i) => (price[i] as number) / (area[i] as number));
    expect(median(big)).toBeLessThan(median(small));
  });

  it('rejects an unknown region and a bad row count', () => {
    expect(() => generateHousing({ region: 'atlantis' as never })).toThrow('unknown region "atlantis"');
    expect(() => generateHousing({ region: 'daegu', rows: 0 })).toThrow('rows must be a positive whole number');
  });
});
