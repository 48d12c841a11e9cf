#!/usr/bin/env bash
# The front door, as a user meets it after `npm ci && npm run build`: the README's own commands run
# literally (`npx mxn validate …`, `npx mxn plan …` from its code blocks), plus `npx mxn-emulators
# --help` and `npx --no-install mxn --version`. npx may neither install nor look anything up, so a bin that
# is not linked fails here instead of being looked up in the public registry.
set -euo pipefail
cd "$(dirname "$0")/.."

export npm_config_yes=false     # npx: never install a package that is not linked here
export npm_config_offline=true  # … nor ask a registry about it
export NO_COLOR=1
failures=0

run() {
  local what=$1
  shift
  local output
  if output=$("$@" 2>&1); then
    echo "ok: ${what}"
  else
    local code=$?
    echo "FAIL (exit ${code}): ${what}"
    printf '%s\n' "${output}" | tail -n 20 | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}

# The demo data the README's commands use (the demo script writes it; --help stops before the run).
demo=$(node scripts/demo.js --help 2>&1 >/dev/null | head -n 1)
case "${demo}" in
  *undefined*|"") echo "FAIL: scripts/demo.js printed \"${demo}\""; failures=$((failures + 1)) ;;
  *) echo "ok: ${demo}" ;;
esac

# Shell lines of README.md's fenced code blocks that start with the commands checked here.
mapfile -t lines < <(awk '
  /^```/ { inside = !inside; next }
  inside && /^npx mxn (validate|plan) |^npx mxn-emulators --help/ {
    sub(/[ \t]+#.*$/, "")
    print
  }' README.md)

for wanted in 'npx mxn validate ' 'npx mxn plan '; do
  found=0
  for line in "${lines[@]}"; do [[ ${line} == "${wanted}"* ]] && found=1; done
  if [[ ${found} == 0 ]]; then
    echo "FAIL: README.md has no \"${wanted}…\" line in a code block"
    failures=$((failures + 1))
  fi
done

for line in "${lines[@]}"; do
  if [[ ${line} == *'['*']'* || ${line} == *'<'*'>'* ]]; then
    echo "FAIL: README.md line is not literally runnable (placeholder): ${line}"
    failures=$((failures + 1))
    continue
  fi
  run "${line}" bash -c "${line}"
done

readme_has_emulators_help=0
for line in "${lines[@]}"; do [[ ${line} == 'npx mxn-emulators --help'* ]] && readme_has_emulators_help=1; done
[[ ${readme_has_emulators_help} == 1 ]] || run 'npx mxn-emulators --help' npx mxn-emulators --help
run 'npx --no-install mxn --version' npx --no-install mxn --version

if [[ ${failures} -gt 0 ]]; then
  echo "front door: ${failures} check(s) failed"
  exit 1
fi
echo 'front door: every check passed'
