#!/usr/bin/env bash
# Installs Hearth as a hardened systemd service (called by `./install.sh --systemd`; needs root).
# Idempotent: run it again after an upgrade to install the new binary and restart the service.
#
#   scripts/install-systemd.sh [--prefix DIR] [--config PATH] [--data-dir DIR] [--user NAME] [--unit-dir DIR]
#   scripts/install-systemd.sh --render-unit [same options]   print the unit and exit (no root needed)
#
# What it does:
#   - system user and group `hearth` (no login shell, no home directory of its own)
#   - the binary at PREFIX/bin/homeserver (PREFIX default /usr/local)
#   - config directory /etc/hearth (root:hearth 0750); the config itself root:hearth 0640
#   - data directory /var/lib/hearth (hearth:hearth 0700): database, signing key, media, certificates
#   - /etc/systemd/system/hearth.service from packaging/hearth.service, enabled at boot
#   - without a config yet: runs the wizard on a terminal (`homeserver init`), else says how
#   - with a config: (re)starts the service
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=/usr/local
CONFIG=/etc/hearth/homeserver.toml
DATA_DIR=/var/lib/hearth
SERVICE_USER=hearth
UNIT_DIR=/etc/systemd/system
RENDER_ONLY=0

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=${2:?--prefix needs a directory}; shift 2 ;;
    --config) CONFIG=${2:?--config needs a path}; shift 2 ;;
    --data-dir) DATA_DIR=${2:?--data-dir needs a directory}; shift 2 ;;
    --user) SERVICE_USER=${2:?--user needs a name}; shift 2 ;;
    --unit-dir) UNIT_DIR=${2:?--unit-dir needs a directory}; shift 2 ;;
    --render-unit) RENDER_ONLY=1; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-systemd.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

case "$PREFIX$CONFIG$DATA_DIR" in
  *" "*|*@*|*"|"*) echo "install-systemd.sh: paths must not contain spaces, @ or |" >&2; exit 2 ;;
esac
case "$CONFIG" in /*) ;; *) echo "install-systemd.sh: --config must be an absolute path" >&2; exit 2 ;; esac
case "$DATA_DIR" in /*) ;; *) echo "install-systemd.sh: --data-dir must be an absolute path" >&2; exit 2 ;; esac

BIN="$PREFIX/bin/homeserver"
DOC="$PWD/README.md"

render_unit() {
  sed -e "s|@BIN@|$BIN|g" -e "s|@CONFIG@|$CONFIG|g" -e "s|@DATA_DIR@|$DATA_DIR|g" \
      -e "s|@USER@|$SERVICE_USER|g" -e "s|@DOC@|$DOC|g" packaging/hearth.service
}

if [ "$RENDER_ONLY" -eq 1 ]; then render_unit; exit 0; fi

say() { printf '==> %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "install-systemd.sh: installing a system service needs root: sudo ./install.sh --systemd" >&2
  exit 1
fi
[ -x ./homeserver ] || { echo "install-systemd.sh: ./homeserver is missing: run ./install.sh first" >&2; exit 1; }

if ! getent group "$SERVICE_USER" >/dev/null; then
  say "Creating system group $SERVICE_USER"
  groupadd --system "$SERVICE_USER"
fi
if ! getent passwd "$SERVICE_USER" >/dev/null; then
  say "Creating system user $SERVICE_USER"
  useradd --system --gid "$SERVICE_USER" --home-dir "$DATA_DIR" --no-create-home \
    --shell /usr/sbin/nologin --comment "Hearth Matrix homeserver" "$SERVICE_USER"
fi

say "Installing $BIN"
install -d -m 0755 "$PREFIX/bin"
# Copy then rename: replacing the binary of a running service must not corrupt it.
install -m 0755 ./homeserver "$BIN.new"
mv -f "$BIN.new" "$BIN"

CONFIG_DIR=$(dirname "$CONFIG")
install -d -m 0750 -o root -g "$SERVICE_USER" "$CONFIG_DIR"
install -d -m 0700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$DATA_DIR"

if [ ! -f "$CONFIG" ]; then
  if [ -t 0 ] && [ -t 1 ]; then
    say "No config yet: starting the setup wizard"
    # Ownership is fixed below, so that the service user owns what the wizard writes.
    "$BIN" init --config "$CONFIG" --data-dir "$DATA_DIR" || echo "install-systemd.sh: the wizard did not finish" >&2
  fi
fi
if [ -f "$CONFIG" ]; then
  chown root:"$SERVICE_USER" "$CONFIG"
  chmod 0640 "$CONFIG"
fi
# Files made by operator commands run as root must stay usable by the service.
chown -R "$SERVICE_USER:$SERVICE_USER" "$DATA_DIR"

say "Installing $UNIT_DIR/hearth.service"
install -d -m 0755 "$UNIT_DIR"
render_unit >"$UNIT_DIR/hearth.service.new"
chmod 0644 "$UNIT_DIR/hearth.service.new"
mv -f "$UNIT_DIR/hearth.service.new" "$UNIT_DIR/hearth.service"
if command -v systemd-analyze >/dev/null 2>&1; then
  systemd-analyze verify "$UNIT_DIR/hearth.service" || echo "warning: systemd-analyze reported problems with the unit" >&2
fi

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable hearth.service
  if [ -f "$CONFIG" ]; then
    systemctl restart hearth.service
    say "hearth.service is running: systemctl status hearth; logs: journalctl -u hearth -f"
  fi
else
  echo "note: systemd is not running here; the unit is installed but was not enabled or started." >&2
fi

if [ ! -f "$CONFIG" ]; then
  cat <<MSG
==> No config at $CONFIG yet. Create it with the wizard:
      sudo $BIN init --config $CONFIG --data-dir $DATA_DIR
    then run \`sudo ./install.sh --systemd\` again: it sets the owners and starts the service.
MSG
fi
say "Operator commands: sudo -u $SERVICE_USER $BIN user add NAME --config $CONFIG"
