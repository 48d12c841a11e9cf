/**
 * The command of every job mxn submits: a POSIX shell wrapper around the model's command. It reads
 * its task's record (a shell fragment: the task-protocol variables, `mxn_inputs`, `mxn_command` and
 * `MXN_OUTPUT_URL`) from the job's records object with one ranged GET at `AWS_BATCH_JOB_ARRAY_INDEX`
 * (0 for a plain job), downloads the inputs, runs the command in the image's WORKDIR with the
 * experiment's timeout and retries (the core retry rule: timeouts and platform failures always, a
 * model's own exit only with retryModelFailures), then uploads one bundle (outputs, stdout.txt,
 * stderr.txt and every attempt's outcome) with one presigned PUT, and exits 0 — so the aggregate,
 * which `dependsOn` the array jobs, runs after failed cells too. Exit 75 means the wrapper could not
 * read its record or upload its bundle: a platform failure, which Batch retries (`retryStrategy`).
 *
 * The HTTP is done by `io-node.ts` or, in an image without Node.js, `io-python.ts`.
 */
import { IO_NODE } from './io-node.js';
import { IO_PYTHON } from './io-python.js';

/** Quotes one word for a POSIX shell: `'…'` with every `'` as `'\''`. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

const SCRIPT = [
  'set -u',
  `W="\${TMPDIR:-/tmp}/mxn-task-$$"`,
  'rm -rf "$W" && mkdir -p "$W/in" "$W/out" "$W/log" || exit 75',
  'if command -v node >/dev/null 2>&1; then io() { node -e "$IO_NODE" "$@"; }',
  'elif command -v python3 >/dev/null 2>&1; then io() { python3 -c "$IO_PYTHON" "$@"; }',
  'else echo "mxn: the image has neither node nor python3, which the AWS Batch task wrapper needs" >&2; exit 1; fi',
  `R=$(io record "$MXN_RECORDS_URL" "\${AWS_BATCH_JOB_ARRAY_INDEX:-0}" "$MXN_RECORD_BYTES") || exit 75`,
  'eval "$R"',
  'export MXN_INPUT_DIR="$W/in" MXN_OUTPUT_DIR="$W/out"',
  'n=0; got=; : > "$W/status"',
  'while :; do',
  '  n=$((n + 1))',
  '  rm -rf "$W/out" && mkdir -p "$W/out"; : > "$W/log/stdout.txt"; : > "$W/log/stderr.txt"',
  '  if [ -z "$got" ] && mxn_inputs 2>>"$W/log/stderr.txt"; then got=1; fi',
  '  if [ -z "$got" ]; then k=infrastructure; c=',
  '  else',
  '    rm -f "$W/timedout"',
  '    mxn_command >"$W/log/stdout.txt" 2>>"$W/log/stderr.txt" </dev/null &',
  '    p=$!; t=',
  '    if [ "$MXN_TIMEOUT_S" != 0 ]; then',
  '      (sleep "$MXN_TIMEOUT_S"; : > "$W/timedout"; kill -KILL "$p") >/dev/null 2>&1 </dev/null &',
  '      t=$!',
  '    fi',
  '    wait "$p"; c=$?',
  '    if [ -n "$t" ]; then kill "$t" 2>/dev/null; fi',
  '    if [ -f "$W/timedout" ]; then k=timeout; elif [ "$c" = 0 ]; then k=ok; else k=model; fi',
  '  fi',
  '  echo "$k $c" >> "$W/status"',
  '  if [ "$k" = ok ] || [ "$n" -gt "$MXN_RETRIES" ]; then break; fi',
  '  if [ "$k" = model ] && [ "$MXN_RETRY_MODEL" != 1 ]; then break; fi',
  'done',
  'io pack "$MXN_OUTPUT_URL" "$W/status" "$W/out" "$W/log" || exit 75',
  'rm -rf "$W"',
  'exit 0',
].join('\n');

/** The job definition's command: `/bin/sh -c <script>`, the two I/O helpers set first. */
export function wrapperCommand(): string[] {
  const script = [`IO_NODE=${shellQuote(IO_NODE)}`, `IO_PYTHON=${shellQuote(IO_PYTHON)}`, SCRIPT].join('\n');
  return ['/bin/sh', '-c', script];
}
