#!/usr/bin/env bash
# Hearth installer. Idempotent: run it again after `git pull` to rebuild.
#   ./install.sh                  install Bun (pinned, from npm) if absent, the locked dependencies, build ./homeserver
#   ./install.sh --prefix DIR     install Bun into DIR (default /usr/local as root, ~/.local otherwise) and
#                                 copy the binary to DIR/bin/homeserver
#   ./install.sh --deps-only      stop after the dependencies (no binary)
#   ./install.sh --systemd        also install and enable a hardened systemd service (root only;
#                                 binary in PREFIX/bin, default /usr/local/bin; see scripts/install-systemd.sh)
# Works without root (everything stays in this directory and ~/.local) except --systemd.
set -euo pipefail

BUN_VERSION="1.4.5"
cd "$(dirname "$0")"

DEPS_ONLY=0
SYSTEMD=0
PREFIX=""
while [ $# -gt 0 ]; do
  case "$1" in
    --deps-only) DEPS_ONLY=1 ;;
    --systemd) SYSTEMD=1 ;;
    --prefix) PREFIX=${2:-}; [ -n "$PREFIX" ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }; shift ;;
    --prefix=*) PREFIX=${1#--prefix=} ;;
    -h|--help)
      sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) echo "install.sh: unknown option $1 (see ./install.sh --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -n "$PREFIX" ]; then
  case "$PREFIX" in /*) ;; *) PREFIX="$PWD/$PREFIX" ;; esac
fi

if [ "$SYSTEMD" -eq 1 ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: --systemd installs a system service and needs root: sudo ./install.sh --systemd" >&2
  echo "            (without --systemd, ./install.sh works as any user)" >&2
  exit 1
fi

say() { printf '==> %s\n' "$*"; }

# Where Bun goes when it must be installed.
if [ -n "$PREFIX" ]; then BUN_PREFIX="$PREFIX"
elif [ "$(id -u)" -eq 0 ]; then BUN_PREFIX=/usr/local
else BUN_PREFIX="$HOME/.local"; fi

find_bun() {
  if command -v bun >/dev/null 2>&1; then command -v bun; return 0; fi
  for p in "$BUN_PREFIX/bin/bun" "$HOME/.local/bin/bun" /usr/local/bin/bun; do
    if [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  return 1
}

bun_ok() { "$1" --version 2>/dev/null | grep -q '^1\.'; }

ensure_bun() {
  local bun
  if bun=$(find_bun) && bun_ok "$bun"; then echo "$bun"; return 0; fi
  command -v npm >/dev/null 2>&1 || { echo "install.sh: npm is needed to install Bun (apt install nodejs npm)" >&2; exit 1; }
  say "Installing Bun $BUN_VERSION from npm into $BUN_PREFIX" >&2
  mkdir -p "$BUN_PREFIX"
  npm install -g --prefix "$BUN_PREFIX" --no-fund --no-audit "bun@$BUN_VERSION" >&2
  bun="$BUN_PREFIX/bin/bun"
  if ! bun_ok "$bun"; then
    # npm may skip the package's postinstall (which puts the native binary in place): run it by hand.
    (cd "$BUN_PREFIX/lib/node_modules/bun" && node install.js) >&2
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
  bash scripts/install-systemd.sh --prefix "${PREFIX:-/usr/local}"
  exit 0
fi

if [ -n "$PREFIX" ]; then
  say "Installing $PREFIX/bin/homeserver"
  mkdir -p "$PREFIX/bin"
  install -m 0755 ./homeserver "$PREFIX/bin/homeserver.new"
  mv -f "$PREFIX/bin/homeserver.new" "$PREFIX/bin/homeserver"
  case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) say "Note: $PREFIX/bin is not on your PATH" ;; esac
  say "Done. Next: homeserver init && homeserver run"
else
  say "Done. Next: ./homeserver init && ./homeserver run"
fi
