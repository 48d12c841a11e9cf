import { describe, expect, it } from 'vitest';
import { exportLines } from './emulators.js';

describe('exportLines', () => {
  it('single-quotes values for the shell', () => {
    expect(exportLines({ A: "it's", B: 'x;y' })).toBe("export A='it'\\''s'\nexport B='x;y'");
    expect(exportLines({ AZURE_STORAGE_CONNECTION_STRING: 'AccountName=a;AccountKey=k==' })).toBe(
      "export AZURE_STORAGE_CONNECTION_STRING='AccountName=a;AccountKey=k=='",
    );
  });
});
