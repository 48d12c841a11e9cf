/**
 * A small evaluator for Batch autoscale formulas: statements `name = expr;`, numbers, `$System`
 * and user variables, `+ - * /`, comparisons, `&& || !`, `?:`, functions (max, min, avg, sum, ceil,
 * floor, round, abs, val, count, len) and the sample methods (`$PendingTasks.GetSample(…)`,
 * `GetSamplePercent`, `Count`). A metric's samples are one value: the current one, or the one
 * `sampleLagMs` ago (the scheduler passes it in).
 */
export interface AutoScaleInputs {
  /** Metric and current-state variables such as `$PendingTasks`, `$ActiveTasks`, `$CurrentDedicatedNodes`. */
  [name: string]: number;
}

export interface AutoScaleResult {
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  nodeDeallocationOption: string;
  /** The service's `autoScaleRun.results` text: `$Name=value;…`. */
  results: string;
}

export class AutoScaleFormulaError extends Error {
  readonly code = 'AutoScalingFormulaSyntaxError';
}

type Value = number | number[] | string;
const TOKEN = /\s*(\d+(?:\.\d+)?|\$?[A-Za-z_]\w*|==|!=|<=|>=|&&|\|\||[-+*/()<>?:,.=!;])/y;
const INTERVALS: Record<string, number> = {
  TimeInterval_Zero: 0,
  TimeInterval_100ns: 1e-4,
  TimeInterval_Microsecond: 1e-3,
  TimeInterval_Millisecond: 1,
  TimeInterval_Second: 1e3,
  TimeInterval_Minute: 6e4,
  TimeInterval_Hour: 3.6e6,
  TimeInterval_Day: 8.64e7,
  TimeInterval_Week: 6.048e8,
  TimeInterval_Year: 3.1536e10,
};
const DEALLOCATION = ['requeue', 'terminate', 'taskcompletion', 'retaineddata'];

const num = (v: Value): number => {
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
  throw new AutoScaleFormulaError(`autoscale: '${v}' is not a number`);
};
const flat = (args: Value[]): number[] => args.flatMap((a) => (Array.isArray(a) ? a : [num(a)]));

const FUNCTIONS: Record<string, (args: Value[]) => Value> = {
  max: (a) => Math.max(...flat(a)),
  min: (a) => Math.min(...flat(a)),
  avg: (a) => {
    const f = flat(a);
    return f.length ? f.reduce((x, y) => x + y, 0) / f.length : 0;
  },
  sum: (a) => flat(a).reduce((x, y) => x + y, 0),
  ceil: (a) => Math.ceil(num(a[0] ?? 0)),
  floor: (a) => Math.floor(num(a[0] ?? 0)),
  round: (a) => Math.round(num(a[0] ?? 0)),
  abs: (a) => Math.abs(num(a[0] ?? 0)),
  val: (a) => {
    const v = a[0] ?? 0;
    return Array.isArray(v) ? (v[num(a[1] ?? 0)] ?? 0) : num(v);
  },
  count: (a) => flat(a).length,
  len: (a) => flat(a).length,
};

/** Evaluates `formula` with the given system variables; throws `AutoScaleFormulaError` on a syntax error. */
export function evaluateFormula(formula: string, inputs: AutoScaleInputs): AutoScaleResult {
  const tokens: string[] = [];
  const src = formula.replace(/\/\/[^\n]*/g, '');
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length && !/^\s*$/.test(src.slice(TOKEN.lastIndex))) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new AutoScaleFormulaError(`autoscale: unexpected character at ${at}`);
    tokens.push(m[1]!);
  }
  const vars = new Map<string, Value>(Object.entries(inputs));
  const assigned: string[] = [];
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const eat = (t?: string): string => {
    const got = tokens[i++];
    if (got === undefined || (t !== undefined && got !== t))
      throw new AutoScaleFormulaError(`autoscale: expected ${t ?? 'a token'}, found ${got ?? 'end of formula'}`);
    return got;
  };

  const primary = (): Value => {
    const t = eat();
    if (t === '(') {
      const v = ternary();
      eat(')');
      return v;
    }
    if (t === '-') return -num(primary());
    if (t === '!') return num(primary()) ? 0 : 1;
    if (/^\d/.test(t)) return Number(t);
    if (t in INTERVALS) return INTERVALS[t]!;
    if (DEALLOCATION.includes(t)) return t;
    if (peek() === '(' && t in FUNCTIONS) {
      eat('(');
      const args: Value[] = [];
      while (peek() !== ')') {
        args.push(ternary());
        if (peek() === ',') eat(',');
        else break;
      }
      eat(')');
      return FUNCTIONS[t]!(args);
    }
    if (!/^\$?[A-Za-z_]\w*$/.test(t)) throw new AutoScaleFormulaError(`autoscale: unexpected '${t}'`);
    let v: Value | undefined = vars.get(t);
    if (v === undefined) {
      if (t.startsWith('$'))
        v = 0; // unknown system metrics (CPU, disk, network) read as 0
      else throw new AutoScaleFormulaError(`autoscale: variable '${t}' is used before it is assigned`);
    }
    while (peek() === '.') {
      eat('.');
      const method = eat();
      eat('(');
      while (peek() !== ')') {
        ternary();
        if (peek() === ',') eat(',');
        else break;
      }
      eat(')');
      const current = num(v);
      v = method === 'GetSamplePercent' ? 100 : method === 'Count' ? 1 : method === 'HistoryBeginTime' ? 0 : [current];
    }
    return v;
  };
  const binary = (next: () => Value, ops: string[], apply: (op: string, a: Value, b: Value) => Value) => (): Value => {
    let left = next();
    while (ops.includes(peek() ?? '')) {
      const op = eat();
      left = apply(op, left, next());
    }
    return left;
  };
  const arith = (op: string, a: Value, b: Value): Value => {
    const x = num(a),
      y = num(b);
    return op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : y === 0 ? 0 : x / y;
  };
  const cmp = (op: string, a: Value, b: Value): Value => {
    if (typeof a === 'string' || typeof b === 'string') return (op === '==') === (a === b) ? 1 : 0;
    const x = num(a),
      y = num(b);
    const r = op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : op === '>=' ? x >= y : op === '==' ? x === y : x !== y;
    return r ? 1 : 0;
  };
  const mul = binary(primary, ['*', '/'], arith);
  const add = binary(mul, ['+', '-'], arith);
  const rel = binary(add, ['<', '>', '<=', '>=', '==', '!='], cmp);
  const and = binary(rel, ['&&'], (_o, a, b) => (num(a) && num(b) ? 1 : 0));
  const or = binary(and, ['||'], (_o, a, b) => (num(a) || num(b) ? 1 : 0));
  function ternary(): Value {
    const cond = or();
    if (peek() !== '?') return cond;
    eat('?');
    const a = ternary();
    eat(':');
    const b = ternary();
    return num(cond) ? a : b;
  }

  while (i < tokens.length) {
    if (peek() === ';') {
      eat();
      continue;
    }
    const name = eat();
    if (!/^\$?[A-Za-z_]\w*$/.test(name)) throw new AutoScaleFormulaError(`autoscale: expected an assignment, found '${name}'`);
    eat('=');
    vars.set(name, ternary());
    if (!assigned.includes(name)) assigned.push(name);
    if (i < tokens.length) eat(';');
  }

  const target = (name: string): number => Math.max(0, Math.floor(num(vars.get(name) ?? inputs[name] ?? 0)));
  const dealloc = vars.get('$NodeDeallocationOption');
  const result: AutoScaleResult = {
    targetDedicatedNodes: target('$TargetDedicatedNodes'),
    targetLowPriorityNodes: target('$TargetLowPriorityNodes'),
    nodeDeallocationOption: typeof dealloc === 'string' ? dealloc : 'requeue',
    results: '',
  };
  const shown = new Set(['$TargetDedicatedNodes', '$TargetLowPriorityNodes', '$NodeDeallocationOption', ...assigned]);
  result.results = [...shown]
    .map((n) => {
      if (n === '$TargetDedicatedNodes') return `${n}=${result.targetDedicatedNodes}`;
      if (n === '$TargetLowPriorityNodes') return `${n}=${result.targetLowPriorityNodes}`;
      if (n === '$NodeDeallocationOption') return `${n}=${result.nodeDeallocationOption}`;
      const v = vars.get(n);
      return `${n}=${Array.isArray(v) ? `[${v.join(',')}]` : v}`;
    })
    .join(';');
  return result;
}
