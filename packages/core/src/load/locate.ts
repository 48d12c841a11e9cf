/** Maps a path inside a parsed YAML document to the line and column of the node it names. */
import { isMap, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

type PathKey = string | number;

/**
 * Position of the value at `path`, or of the deepest existing node on the way (a missing key
 * points at the object that should hold it). With `atKey`, points at the key of the last segment.
 */
export function locate(doc: Document, lines: LineCounter, path: readonly PathKey[], options: { atKey?: boolean } = {}): Position {
  let node: unknown = doc.contents;
  let found: { range?: [number, number, number] | null } | undefined = node as Node | undefined;
  for (const [index, key] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item: Pair) => keyOf(item) === String(key));
      if (!pair) break;
      if (last && options.atKey) {
        found = pair.key as Node;
        break;
      }
      node = pair.value;
      if (node) found = node as Node;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key]) {
      node = node.items[key];
      found = node as Node;
    } else {
      break;
    }
  }
  const offset = found?.range?.[0] ?? 0;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

function keyOf(pair: Pair): string | undefined {
  const key = pair.key as { value?: unknown } | null;
  return key && 'value' in key ? String(key.value) : undefined;
}
