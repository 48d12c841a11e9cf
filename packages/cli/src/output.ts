/** Where the CLI writes, and whether it may use colour. */
export interface Output {
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  err: NodeJS.WritableStream & { isTTY?: boolean };
  color: boolean;
}

export function defaultOutput(): Output {
  return { out: process.stdout, err: process.stderr, color: Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) };
}

function paint(output: Output, code: number, text: string): string {
  return output.color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

export const bold = (output: Output, text: string) => paint(output, 1, text);
export const dim = (output: Output, text: string) => paint(output, 2, text);
export const red = (output: Output, text: string) => paint(output, 31, text);
export const green = (output: Output, text: string) => paint(output, 32, text);
export const yellow = (output: Output, text: string) => paint(output, 33, text);
