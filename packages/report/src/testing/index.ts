/** Test fixtures for code that renders or compares results; not part of the production entry. */
export { defaultSampleValue, sampleResults, type SampleOptions } from './sample-results.js';
export {
  HOSTILE_STRINGS,
  INVISIBLE_CHARACTERS,
  htmlTagCounts,
  markdownHazards,
  markdownSkeleton,
  outsideCode,
  resultsWithSuffix,
  tableCells,
} from './hostile-strings.js';
