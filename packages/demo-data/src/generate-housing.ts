import type { Table } from '@mxn/data';
import { createRandom, deriveSeed } from './random.js';
import type { Random } from './random.js';
import { BUILDING_TYPES, REGIONS, REGION_NAMES } from './regions.js';
import type { BuildingType, District, RegionName, RegionSpec } from './regions.js';

/** Seed used when none is given. */
export const DEFAULT_SEED = 42;

export interface GenerateHousingOptions {
  /** Which region's price structure to use: `seoul`, `busan` or `daegu`. */
  region: RegionName;
  /** Number of rows. Default: the region's size (seoul 8,000, busan 4,000, daegu 1,500). */
  rows?: number;
  /** Seed; the same seed, region and rows give the same table. Default `42`. */
  seed?: number;
}

/** Column names of a generated table, in order; `price` (millions) is the target. */
export const HOUSING_COLUMNS = [
  'district',
  'building_type',
  'area_m2',
  'rooms',
  'age_years',
  'floor',
  'distance_to_center_km',
  'lat',
  'lon',
  'price',
] as const;

const AREA_MEDIAN: Record<BuildingType, number> = { apartment: 84, officetel: 33, villa: 58, house: 118 };
const AREA_SPREAD: Record<BuildingType, number> = { apartment: 0.28, officetel: 0.3, villa: 0.3, house: 0.38 };
const AGE_OFFSET: Record<BuildingType, number> = { apartment: 0, officetel: -7, villa: 5, house: 10 };

/**
 * Generates housing listings for one region: where each home is (district, lat/lon, distance to the
 * centre), what it is (building type, area, rooms, age, floor) and its price. The price is non-linear:
 * diminishing returns on area, district premiums that steepen the area curve, a type effect, a
 * distance decay, depreciation that turns into a redevelopment premium for old buildings in some
 * districts, a floor effect, a penalty for cramped layouts, and multiplicative noise whose spread
 * grows with distance and for villas and houses.
 */
export function generateHousing(options: GenerateHousingOptions): Table {
  const spec: RegionSpec | undefined = REGIONS[options.region];
  if (spec === undefined) {
    throw new Error(`demo-data: unknown region "${String(options.region)}" (regions: ${REGION_NAMES.join(', ')})`);
  }
  const rows = options.rows ?? spec.rows;
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`demo-data: rows must be a positive whole number, got ${rows}`);
  const random = createRandom(deriveSeed(options.seed ?? DEFAULT_SEED, spec.name));

  const district = new Array<string | null>(rows);
  const buildingType = new Array<string | null>(rows);
  const numbers = {
    area_m2: new Float64Array(rows),
    rooms: new Float64Array(rows),
    age_years: new Float64Array(rows),
    floor: new Float64Array(rows),
    distance_to_center_km: new Float64Array(rows),
    lat: new Float64Array(rows),
    lon: new Float64Array(rows),
    price: new Float64Array(rows),
  };
  const districtWeights = spec.districts.map((d) => d.weight);
  const typeWeights = BUILDING_TYPES.map((t) => spec.typeMix[t]);

  for (let i = 0; i < rows; i++) {
    const d = spec.districts[random.pick(districtWeights)] as District;
    const type = BUILDING_TYPES[random.pick(typeWeights)] as BuildingType;
    const home = drawHome(random, spec, d, type);
    district[i] = d.name;
    buildingType[i] = type;
    numbers.area_m2[i] = round(home.area, 1);
    numbers.rooms[i] = home.rooms;
    numbers.age_years[i] = home.age;
    numbers.floor[i] = home.floor;
    numbers.distance_to_center_km[i] = round(home.distance, 2);
    numbers.lat[i] = round(home.lat, 5);
    numbers.lon[i] = round(home.lon, 5);
    numbers.price[i] = round(Math.exp(logPrice(random, spec, d, type, home)), 1);
  }
  return {
    names: [...HOUSING_COLUMNS],
    columns: { district, building_type: buildingType, ...numbers },
    numRows: rows,
  };
}

interface Home {
  area: number;
  rooms: number;
  age: number;
  floor: number;
  distance: number;
  lat: number;
  lon: number;
}

function drawHome(random: Random, spec: RegionSpec, d: District, type: BuildingType): Home {
  const east = d.east + random.normal(0, d.spreadKm);
  const north = d.north + random.normal(0, d.spreadKm);
  const distance = Math.hypot(east, north);
  const lat = spec.lat + north / 111.32;
  const lon = spec.lon + east / (111.32 * Math.cos((spec.lat * Math.PI) / 180));
  // premium districts have slightly larger homes
  const area = clamp(Math.exp(random.normal(Math.log(AREA_MEDIAN[type]) + 0.15 * d.premium, AREA_SPREAD[type])), 14, 320);
  const maxRooms = type === 'officetel' ? 2 : 7;
  const rooms = clamp(Math.round(area / 30 + 0.6 + random.normal(0, 0.6)), 1, maxRooms);
  const age = clamp(Math.round(random.normal(d.ageMean + AGE_OFFSET[type], 9)), 0, 60);
  const floor = drawFloor(random, spec, type);
  return { area, rooms, age, floor, distance, lat, lon };
}

function drawFloor(random: Random, spec: RegionSpec, type: BuildingType): number {
  switch (type) {
    case 'apartment':
      return 1 + Math.floor(random.next() ** 1.3 * spec.maxFloor);
    case 'officetel':
      return 1 + Math.floor(random.next() * 20);
    case 'villa':
      return 1 + Math.floor(random.next() * 5);
    case 'house':
      return random.next() < 0.4 ? 2 : 1;
  }
}

function logPrice(random: Random, spec: RegionSpec, d: District, type: BuildingType, home: Home): number {
  const areaCurve = (spec.areaExponent + spec.premiumAreaBoost * d.premium) * Math.log(home.area);
  const depreciation = -0.45 * (1 - Math.exp(-home.age / 20));
  const redevelopment = d.redevelopment ? 0.0011 * Math.max(0, home.age - 28) ** 2 : 0;
  const stacked = type === 'apartment' || type === 'officetel';
  const floorEffect = stacked
    ? 0.07 * Math.log1p(home.floor) - (home.floor === 1 ? 0.06 : 0) + (type === 'apartment' && home.floor > 0.85 * spec.maxFloor ? 0.05 : 0)
    : 0;
  const layout = 0.02 * home.rooms - 0.08 * Math.max(0, home.rooms - home.area / 22);
  const mean =
    Math.log(spec.basePerM2) +
    areaCurve +
    d.premium +
    spec.typeEffect[type] -
    spec.distanceDecay * Math.log1p(home.distance) +
    depreciation +
    redevelopment +
    floorEffect +
    layout;
  const sd = spec.noise * (type === 'villa' || type === 'house' ? 1.4 : 1) * (1 + 0.03 * home.distance);
  return mean + random.normal(0, sd);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
