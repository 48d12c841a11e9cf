export { DEFAULT_SEED, HOUSING_COLUMNS, generateHousing } from './generate-housing.js';
export type { GenerateHousingOptions } from './generate-housing.js';
export { writeHousingDemo } from './write-housing-demo.js';
export type { HousingFileInfo, WriteHousingDemoOptions } from './write-housing-demo.js';
export { BUILDING_TYPES, REGIONS, REGION_NAMES } from './regions.js';
export type { BuildingType, District, RegionName, RegionSpec } from './regions.js';
export { createRandom, deriveSeed } from './random.js';
export type { Random } from './random.js';
