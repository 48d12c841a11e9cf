/**
 * The one rule for a `requirements.txt` line that asks for mxn's Python model kit. mxn serves such
 * a line itself (the image builder copies the kit into the build context, the process runtime links
 * it into the venv), so pip never sees it.
 */

/** The kit's distribution name, PEP 503 normalised. */
export const PYTHON_KIT_NAME = 'mxn-model-kit';

/**
 * Whether a requirement line names the kit: `mxn-model-kit`, `mxn_model_kit==0.1`, `MXN.Model_Kit`,
 * extras and markers, `mxn-model-kit @ <url>`, `-e <url>#egg=mxn_model_kit`. Comments, other
 * packages (`mxn-model-kit2`) and options (`-r mxn-model-kit.txt`) are not.
 */
export function requiresModelKit(line: string): boolean {
  const bare = line.trim().replace(/^(-e|--editable)\s+/, '');
  const name = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(bare)?.[1];
  if (name !== undefined && normalised(name) === PYTHON_KIT_NAME) return true;
  const egg = /[#&]egg=([A-Za-z0-9._-]+)/.exec(bare)?.[1];
  return egg !== undefined && normalised(egg) === PYTHON_KIT_NAME;
}

function normalised(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
