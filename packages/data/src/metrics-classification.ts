/**
 * Classification metrics over class keys (see `classKey`): labels and predictions of the same length.
 */

/** Fraction of rows whose prediction equals the label. */
export function accuracy(y: readonly string[], p: readonly string[]): number {
  let hit = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === p[i]) hit++;
  return hit / y.length;
}

/**
 * F1. With at most two classes among labels and predictions: binary F1 of the positive class
 * (`positiveClass`). With more: macro-F1, the unweighted mean of each class's F1.
 * A class with no true positives scores 0.
 */
export function f1(y: readonly string[], p: readonly string[]): number {
  const classes = sortClasses(new Set([...y, ...p]));
  if (classes.length <= 2) return classF1(y, p, positiveClass(classes));
  let sum = 0;
  for (const c of classes) sum += classF1(y, p, c);
  return sum / classes.length;
}

function classF1(y: readonly string[], p: readonly string[], c: string): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const isY = y[i] === c;
    const isP = p[i] === c;
    if (isY && isP) tp++;
    else if (isP) fp++;
    else if (isY) fn++;
  }
  const denom = 2 * tp + fp + fn;
  return denom === 0 ? 0 : (2 * tp) / denom;
}

/**
 * The positive class of a binary problem: "1" when the keys are 0/1 (or true/false), even if only one
 * of them occurs; otherwise the larger key (numerically when all keys are numbers).
 */
export function positiveClass(classes: readonly string[]): string {
  if (classes.every((c) => c === '0' || c === '1')) return '1';
  const sorted = sortClasses(new Set(classes));
  return sorted[sorted.length - 1] ?? '';
}

/** Class keys in ascending order: numeric order when every key is a number, else code-point order. */
function sortClasses(classes: Iterable<string>): string[] {
  const list = [...classes];
  if (list.every((c) => c !== '' && Number.isFinite(Number(c)))) return list.sort((a, b) => Number(a) - Number(b));
  return list.sort();
}

/**
 * The canonical key of a class value, so that labels and predictions written with different types
 * still match: numbers print as JS numbers (1.0 → "1"), numeric strings likewise ("1.0" → "1"),
 * "true"/"false" (any case) become "1"/"0", other strings are kept as they are.
 */
export function classKey(v: string | number): string {
  if (typeof v === 'number') return String(v);
  const t = v.trim();
  const lower = t.toLowerCase();
  if (lower === 'true') return '1';
  if (lower === 'false') return '0';
  if (t !== '' && Number.isFinite(Number(t))) return String(Number(t));
  return v;
}

/** Probability clipping bound for log loss. */
const LOGLOSS_EPS = 1e-15;

/**
 * Log loss: −mean(log p(true class)), each probability clipped to [1e-15, 1 − 1e-15].
 * `probaOfTrue[i]` is the probability the model gave row i's true class.
 */
export function logLoss(probaOfTrue: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < probaOfTrue.length; i++) {
    const q = Math.min(Math.max(probaOfTrue[i] as number, LOGLOSS_EPS), 1 - LOGLOSS_EPS);
    sum -= Math.log(q);
  }
  return sum / probaOfTrue.length;
}
