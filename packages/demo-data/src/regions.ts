/**
 * The demo's regions. Each differs in size and in how its prices are made: base price per m²,
 * how fast price grows with area, which districts carry a premium, how steeply prices fall with
 * distance from the centre, which building types sell at a premium, and how noisy prices are.
 * The numbers are invented; prices are in millions of a currency unit.
 */

export const BUILDING_TYPES = ['apartment', 'officetel', 'villa', 'house'] as const;
export type BuildingType = (typeof BUILDING_TYPES)[number];

export interface District {
  name: string;
  /** Offset of the district's centre from the region's centre, in km (east, north). */
  east: number;
  north: number;
  /** Spread of homes around the district centre, in km. */
  spreadKm: number;
  /** Share of the region's listings. */
  weight: number;
  /** Price premium on the log scale (0.3 ≈ +35 %). */
  premium: number;
  /** Typical building age in years. */
  ageMean: number;
  /** Old buildings here sell at a premium (redevelopment expected), so age has a U-shaped effect. */
  redevelopment: boolean;
}

export interface RegionSpec {
  name: string;
  /** Default number of rows. */
  rows: number;
  /** Region centre (degrees). */
  lat: number;
  lon: number;
  /** Scale of prices (millions per m^areaExponent) before district, type, distance, age and floor effects. */
  basePerM2: number;
  /** Exponent of area: below 1 means diminishing returns per extra m². */
  areaExponent: number;
  /** How much faster premium districts' prices grow with area (interaction of premium and log-area). */
  premiumAreaBoost: number;
  /** Log-price drop per log(1 + km) from the centre. */
  distanceDecay: number;
  /** Log-price effect of each building type. */
  typeEffect: Record<BuildingType, number>;
  /** Share of each building type. */
  typeMix: Record<BuildingType, number>;
  /** Highest floor of apartment towers. */
  maxFloor: number;
  /** Log-price noise: base sd, grown with distance and for villas/houses (heteroscedastic). */
  noise: number;
  districts: District[];
}

const district = (
  name: string,
  east: number,
  north: number,
  weight: number,
  premium: number,
  ageMean: number,
  redevelopment = false,
  spreadKm = 1.6,
): District => ({ name, east, north, spreadKm, weight, premium, ageMean, redevelopment });

export const REGIONS = {
  seoul: {
    name: 'seoul',
    rows: 8000,
    lat: 37.5665,
    lon: 126.978,
    basePerM2: 19,
    areaExponent: 0.85,
    premiumAreaBoost: 0.18,
    distanceDecay: 0.16,
    typeEffect: { apartment: 0.25, officetel: -0.12, villa: -0.3, house: 0.05 },
    typeMix: { apartment: 0.55, officetel: 0.15, villa: 0.22, house: 0.08 },
    maxFloor: 35,
    noise: 0.12,
    districts: [
      district('gangnam', 6, -5, 0.13, 0.55, 22, true),
      district('seocho', 3, -6, 0.11, 0.45, 20, true),
      district('songpa', 10, -4, 0.12, 0.3, 18),
      district('yongsan', 0, -2, 0.07, 0.35, 28, true),
      district('mapo', -5, 0, 0.1, 0.18, 16),
      district('seongdong', 4, -1, 0.08, 0.15, 19),
      district('nowon', 8, 10, 0.12, -0.2, 24),
      district('gwanak', -3, -8, 0.09, -0.12, 21),
      district('eunpyeong', -7, 6, 0.09, -0.15, 14),
      district('guro', -10, -5, 0.09, -0.18, 20),
    ],
  },
  busan: {
    name: 'busan',
    rows: 4000,
    lat: 35.1796,
    lon: 129.0756,
    basePerM2: 7,
    areaExponent: 0.93,
    premiumAreaBoost: 0.08,
    distanceDecay: 0.08,
    typeEffect: { apartment: 0.2, officetel: -0.05, villa: -0.35, house: -0.1 },
    typeMix: { apartment: 0.62, officetel: 0.12, villa: 0.16, house: 0.1 },
    maxFloor: 50,
    noise: 0.16,
    districts: [
      district('haeundae', 12, 0, 0.2, 0.4, 12, false, 2.2),
      district('suyeong', 8, -1, 0.14, 0.28, 18),
      district('dongnae', 2, 6, 0.16, 0.1, 24, true),
      district('busanjin', 0, 1, 0.18, 0, 22),
      district('saha', -8, -6, 0.12, -0.22, 26),
      district('gijang', 20, 10, 0.1, -0.05, 9, false, 3),
      district('yeongdo', 1, -6, 0.1, -0.2, 33),
    ],
  },
  daegu: {
    name: 'daegu',
    rows: 1500,
    lat: 35.8714,
    lon: 128.6014,
    basePerM2: 5.5,
    areaExponent: 0.97,
    premiumAreaBoost: 0.02,
    distanceDecay: 0.22,
    typeEffect: { apartment: 0.15, officetel: -0.1, villa: -0.25, house: 0 },
    typeMix: { apartment: 0.5, officetel: 0.1, villa: 0.2, house: 0.2 },
    maxFloor: 25,
    noise: 0.2,
    districts: [
      district('suseong', 4, -2, 0.3, 0.35, 20, true),
      district('jung', 0, 0, 0.15, 0.1, 30),
      district('dalseo', -7, -3, 0.25, -0.05, 18),
      district('buk', 0, 5, 0.18, -0.12, 23),
      district('dong', 7, 5, 0.12, -0.18, 25),
    ],
  },
} satisfies Record<string, RegionSpec>;

export type RegionName = keyof typeof REGIONS;

/** The demo's region names, smallest last: `seoul` (8,000 rows), `busan` (4,000), `daegu` (1,500). */
export const REGION_NAMES = Object.keys(REGIONS) as RegionName[];
