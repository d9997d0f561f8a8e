#!/usr/bin/env bash
# Hearth installer. Idempotent: run it again after `git pull` to rebuild.
#   ./install.sh              install Bun (pinned, from npm) if absent, the locked dependencies, build ./homeserver
#   ./install.sh --deps-only  stop after the dependencies (no binary)
#   ./install.sh --systemd    also install and enable a hardened systemd service (root only)
set -euo pipefail

BUN_VERSION="1.4.5"
cd "$(dirname "$0")"

DEPS_ONLY=0
SYSTEMD=0
for arg in "$@"; do
  case "$arg" in
    --deps-only) DEPS_ONLY=1 ;;
    --systemd) SYSTEMD=1 ;;
    -h|--help)
      sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) echo "install.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf '==> %s\n' "$*"; }

find_bun() {
  if command -v bun >/dev/null 2>&1; then command -v bun; return 0; fi
  for p in "$HOME/.local/bin/bun" /usr/local/bin/bun; do
    if [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  return 1
}

bun_ok() { "$1" --version 2>/dev/null | grep -q '^1\.'; }

ensure_bun() {
  local bun
  if bun=$(find_bun) && bun_ok "$bun"; then echo "$bun"; return 0; fi
  command -v npm >/dev/null 2>&1 || { echo "install.sh: npm is needed to install Bun (apt install nodejs npm)" >&2; exit 1; }
  local prefix
  if [ "$(id -u)" -eq 0 ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
  say "Installing Bun $BUN_VERSION from npm into $prefix" >&2
  npm install -g --prefix "$prefix" --no-fund --no-audit "bun@$BUN_VERSION" >&2
  bun="$prefix/bin/bun"
  if ! bun_ok "$bun"; then
    # npm may skip the package's postinstall (which puts the native binary in place): run it by hand.
    (cd "$prefix/lib/node_modules/bun" && node install.js) >&2
  fi
  bun_ok "$bun" || { echo "install.sh: Bun did not install correctly" >&2; exit 1; }
  echo "$bun"
}

BUN=$(ensure_bun)
say "Using Bun $("$BUN" --version) at $BUN"
export PATH="$(dirname "$BUN"):$PATH"

say "Installing locked dependencies"
"$BUN" install --frozen-lockfile

if [ "$DEPS_ONLY" -eq 1 ]; then exit 0; fi

say "Building ./homeserver"
"$BUN" run scripts/build.ts

if [ "$SYSTEMD" -eq 1 ]; then
  bash scripts/install-systemd.sh
fi

say "Done. Next: ./homeserver init && ./homeserver run"
