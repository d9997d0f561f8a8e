#!/usr/bin/env bash
# The whole test run, as README.md gives it and CI runs it:
#   install (Bun, locked deps, binary) -> generated files fresh -> typecheck -> lint -> layer check
#   -> unit/in-process suites -> end-to-end and federation suites against the compiled binary.
# Ends with one line: "N passed, N failed" (totals over every suite).
set -uo pipefail
cd "$(dirname "$0")/.."

./install.sh || { echo "install failed"; echo "0 passed, 1 failed"; exit 1; }
BUN=$(command -v bun || echo "$HOME/.local/bin/bun")
[ -x "$BUN" ] || BUN=/usr/local/bin/bun
export PATH="$(dirname "$BUN"):$PATH"

# Debian tools some tests need, installed only when missing and only as root: openssl makes test
# certificates; pebble is a test ACME CA (the ACME tests say they are skipped when it is absent).
apt_tool() { # command package
  command -v "$1" >/dev/null && return 0
  { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; } || { echo "note: $1 missing (install the $2 package)"; return 0; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "$2" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$2" >/dev/null 2>&1; } \
    || echo "note: could not install $2"
}
apt_tool openssl openssl
apt_tool pebble pebble

PASSED=0
FAILED=0
LOG_DIR=$(mktemp -d)

step() { # name, command...: a check that counts as one test
  local name=$1; shift
  if "$@" >"$LOG_DIR/$name.log" 2>&1; then
    PASSED=$((PASSED + 1)); echo "ok   $name"
  else
    FAILED=$((FAILED + 1)); echo "FAIL $name"; tail -n 40 "$LOG_DIR/$name.log"
  fi
}

suite() { # name, paths...: a bun test run whose pass/fail counts are added up
  local name=$1; shift
  local existing=()
  for p in "$@"; do [ -d "$p" ] && [ -n "$(find "$p" -name '*.test.ts' | head -n 1)" ] && existing+=("$p"); done
  if [ ${#existing[@]} -eq 0 ]; then echo "skip $name (no tests)"; return; fi
  "$BUN" test --timeout 60000 "${existing[@]}" >"$LOG_DIR/$name.log" 2>&1
  local rc=$?
  local p f
  p=$(grep -E '^ *[0-9]+ pass$' "$LOG_DIR/$name.log" | tail -n 1 | grep -oE '[0-9]+')
  f=$(grep -E '^ *[0-9]+ fail$' "$LOG_DIR/$name.log" | tail -n 1 | grep -oE '[0-9]+')
  p=${p:-0}; f=${f:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # crashed before reporting
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
  echo "$( [ "$f" -eq 0 ] && echo ok || echo FAIL ) $name: $p passed, $f failed"
  if [ "$f" -ne 0 ]; then grep -E '\(fail\)|error:|Error:|expect\(' "$LOG_DIR/$name.log" | head -n 60; fi
}

step generated-files "$BUN" run scripts/gen-migrations.ts --check
step config-example "$BUN" run scripts/gen-config-example.ts --check
shell_syntax() { local f; for f in install.sh scripts/install-systemd.sh scripts/test.sh .ci/run; do bash -n "$f" || return 1; done; }
step shell-syntax shell_syntax
step typecheck "$BUN" x tsc --noEmit -p .
step lint "$BUN" x biome check .
step layers "$BUN" run scripts/check-layers.ts

suite unit tests/core tests/config tests/storage tests/services tests/api tests/cli tests/net
export HEARTH_TEST_BINARY="$PWD/homeserver"
suite e2e tests/e2e
suite federation tests/federation

rm -rf "$LOG_DIR"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
