#!/bin/sh
# Installs Porchlight as systemd services on a Raspberry Pi (or any Debian machine).
#
#   sudo ./systemd/install.sh               install or upgrade (run it again any time)
#   sudo ./systemd/install.sh --agent-only  a camera board: no hub, no relay
#   sudo ./systemd/install.sh --uninstall   remove the services, keep config and recordings
#   sudo ./systemd/install.sh --purge       remove everything, recordings and keys included
#
# What it does, and the layout it makes: docs/install.md. Every step can run again: the
# config is never overwritten, directories and modes are repaired, units are replaced.
set -eu

APP=/opt/porchlight
CONF=/etc/porchlight
STATE=/var/lib/porchlight
UNITDIR=/usr/local/lib/systemd/system
SYSUSERS=/usr/local/lib/sysusers.d/porchlight.conf
TMPFILES=/usr/local/lib/tmpfiles.d/porchlight.conf
USER_NAME=porchlight
RELAY_USER=porchlight-relay
UNITS="porchlight.target porchlight-hub.service porchlight-relay.service porchlight-agent@.service"
# Remote access (docs/remote.md): root's half of WireGuard, as the hub holds no CAP_NET_ADMIN.
WG_UNITS="porchlight-wg.service porchlight-wg-reload.path porchlight-wg-reload.service"

HERE=$(cd "$(dirname "$0")" && pwd)
FROM=$(cd "$HERE/.." && pwd)
ROOT=
ACTION=install
AGENT_ONLY=0
START=1
ASSUME_YES=0

say() { printf '%s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<'EOF'
usage: install.sh [--agent-only] [--no-start] [--from DIR] [--root DIR]
       install.sh --uninstall [--root DIR]
       install.sh --purge [--yes] [--root DIR]

  --agent-only  install for camera agents only (a board without the hub)
  --no-start    install and enable, but do not (re)start the services
  --from DIR    the built Porchlight checkout to install (default: the one holding this script)
  --root DIR    install into DIR as if it were / (for tests and images): no apt, no
                systemctl start, nothing outside DIR is touched
  --uninstall   remove the services and the program; keep /etc/porchlight and /var/lib/porchlight
  --purge       --uninstall, and delete the configuration, recordings and the footage key
  --yes         do not ask before --purge deletes
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || die "--root needs a directory"; ROOT=$2; shift 2 ;;
    --root=*) ROOT=${1#--root=}; shift ;;
    --from) [ $# -ge 2 ] || die "--from needs a directory"; FROM=$2; shift 2 ;;
    --from=*) FROM=${1#--from=}; shift ;;
    --agent-only) AGENT_ONLY=1; shift ;;
    --no-start) START=0; shift ;;
    --uninstall) ACTION=uninstall; shift ;;
    --purge) ACTION=purge; shift ;;
    --yes|-y) ASSUME_YES=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "run it as root: sudo $0"
if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT" || die "cannot create $ROOT"
  ROOT=$(cd "$ROOT" && pwd)
  [ "$ROOT" != / ] || ROOT=
fi

# systemctl for this tree: offline (--root) under a root directory, the running manager otherwise.
sysctl() {
  if [ -n "$ROOT" ]; then systemctl --root="$ROOT" "$@"; else systemctl "$@"; fi
}

# The porchlight user's uid and gid as the tree's own /etc/passwd has them.
ids() {
  awk -F: -v u="$USER_NAME" '$1 == u { print $3 ":" $4; found = 1 } END { exit !found }' "$ROOT/etc/passwd"
}

agent_instances() {
  for link in "$ROOT"/etc/systemd/system/*.wants/porchlight-agent@*.service; do
    [ -e "$link" ] || [ -L "$link" ] || continue
    basename "$link"
  done | sort -u
}

install_packages() {
  if [ -n "$ROOT" ]; then
    say "skipping system packages (--root)"
    return
  fi
  command -v node >/dev/null 2>&1 || die "Node.js 20 or newer is needed first (docs/install.md: NodeSource)"
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
    die "Node.js $(node --version) is too old: Porchlight needs 20 or newer (docs/install.md)"
  # The hub makes remote access keys with wg and porchlight-wg.service runs wg-quick; wireguard-go
  # only where the kernel has no WireGuard module (Raspberry Pi OS and Debian 12 kernels have it).
  wanted=ffmpeg
  if [ "$AGENT_ONLY" -eq 0 ]; then
    wanted="$wanted wireguard-tools"
    if [ ! -e /sys/module/wireguard ] && ! modprobe -n wireguard 2>/dev/null; then wanted="$wanted wireguard-go"; fi
  fi
  missing=
  for p in $wanted; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    say "installing$missing"
    apt-get update -q
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
  fi
}

install_app() {
  [ -f "$FROM/dist/cli/main.js" ] || die "$FROM is not built: run \"npm ci && npm run build\" there first"
  [ -f "$FROM/bin/porchlight.js" ] && [ -d "$FROM/node_modules" ] || die "$FROM is not a Porchlight checkout with its node_modules"
  target="$ROOT$APP"
  if [ "$(cd "$FROM" && pwd -P)" = "$( [ -d "$target" ] && cd "$target" && pwd -P)" ]; then
    say "program already in $APP"
  else
    # A new copy beside the old one, then swapped in: a failed copy leaves the old one working.
    rm -rf "$target.new" "$target.old"
    mkdir -p "$target.new"
    for part in package.json bin dist node_modules docs systemd; do
      if [ -e "$FROM/$part" ]; then cp -a "$FROM/$part" "$target.new/"; fi
    done
    if [ -z "$ROOT" ] && command -v npm >/dev/null 2>&1; then
      (cd "$target.new" && npm prune --omit=dev --no-audit --no-fund >/dev/null 2>&1) || say "note: npm prune failed; development packages stay in $APP"
    fi
    chown -R 0:0 "$target.new"
    chmod -R u+rwX,go+rX,go-w "$target.new"
    chmod 0755 "$target.new/bin/porchlight.js"
    if [ -d "$target" ]; then mv "$target" "$target.old"; fi
    mv "$target.new" "$target"
    rm -rf "$target.old"
    say "program installed in $APP"
  fi
  mkdir -p "$ROOT/usr/local/bin"
  ln -sfn "$APP/bin/porchlight.js" "$ROOT/usr/local/bin/porchlight"
}

install_accounts_and_dirs() {
  mkdir -p "$ROOT/etc" "$(dirname "$ROOT$SYSUSERS")" "$(dirname "$ROOT$TMPFILES")"
  install -m 0644 "$HERE/porchlight.sysusers" "$ROOT$SYSUSERS"
  install -m 0644 "$HERE/porchlight.tmpfiles" "$ROOT$TMPFILES"
  # A bare file name is looked up in the sysusers.d / tmpfiles.d folders (under --root, in the tree).
  if [ -n "$ROOT" ]; then
    systemd-sysusers --root="$ROOT" porchlight.conf
    systemd-tmpfiles --root="$ROOT" --create porchlight.conf
  else
    systemd-sysusers porchlight.conf
    systemd-tmpfiles --create porchlight.conf
  fi
  owner=$(ids) || die "the $USER_NAME user was not created"
  uid=${owner%%:*}
  gid=${owner#*:}

  if [ "$AGENT_ONLY" -eq 1 ]; then
    say "no hub config on a camera-only board (--agent-only)"
  elif [ ! -e "$ROOT$CONF/porchlight.yaml" ]; then
    install -m 0640 -o 0 -g "$gid" "$HERE/porchlight.example.yaml" "$ROOT$CONF/porchlight.yaml"
    say "wrote $CONF/porchlight.yaml"
  else
    say "kept $CONF/porchlight.yaml"
  fi
  # Modes repaired on every run: the services read the config, only root writes it, and
  # only the service user reads a secret, but for the relay's S3 credentials file, which
  # porchlight-relay reads through the group (0640). The config names that file; an install
  # from before the relay had its own user left it 0600, and any other secret made 0640 by
  # hand would hand it to the relay, so each is put right.
  find "$ROOT$CONF" -maxdepth 1 -name '*.yaml' -type f -exec chown "0:$gid" {} + -exec chmod 0640 {} +
  find "$ROOT$CONF/agents" -name '*.yaml' -type f -exec chown "0:$gid" {} + -exec chmod 0640 {} +
  s3=
  if [ "$AGENT_ONLY" -eq 0 ] && [ -e "$ROOT$CONF/porchlight.yaml" ]; then
    s3=$(node "$ROOT$APP/bin/porchlight.js" config get "$ROOT$CONF/porchlight.yaml" relay.target.credentialsFile 2>/dev/null) || s3=
    case "$s3" in
      "$CONF/secrets/"*) ;;
      "") ;;
      *) say "note: the S3 credentials file $s3 is outside $CONF/secrets: make it readable by the group $USER_NAME (0640) yourself"; s3= ;;
    esac
  fi
  find "$ROOT$CONF/secrets" -type f -exec chown "$uid:$gid" {} +
  find "$ROOT$CONF/secrets" -type f ! -path "$ROOT${s3:-/nonexistent}" -exec chmod 0600 {} +
  if [ -n "$s3" ] && [ -f "$ROOT$s3" ] && [ "$(stat -c %a "$ROOT$s3")" != 640 ]; then
    chmod 0640 "$ROOT$s3"
    say "made $s3 readable by the relay's user (0640)"
  fi
  # The relay's own account (sysusers): it must exist, in the hub's group, or its unit fails.
  awk -F: -v u="$RELAY_USER" -v g="$gid" '$1 == u && $4 == g { found = 1 } END { exit !found }' "$ROOT/etc/passwd" ||
    die "the $RELAY_USER user was not created in the $USER_NAME group"

}

install_units() {
  mkdir -p "$ROOT$UNITDIR"
  for unit in $UNITS $WG_UNITS; do
    install -m 0644 "$HERE/$unit" "$ROOT$UNITDIR/$unit"
  done
  [ -n "$ROOT" ] || systemctl daemon-reload
  if [ "$AGENT_ONLY" -eq 1 ]; then
    sysctl enable --quiet porchlight.target
  else
    # porchlight-wg.service is skipped (ConditionPathExists=) until the hub has written its
    # WireGuard config; the path unit starts it when that first happens, and boot does after.
    sysctl enable --quiet porchlight.target porchlight-hub.service porchlight-relay.service porchlight-wg.service porchlight-wg-reload.path
  fi
  say "units installed in $UNITDIR and enabled"
}

start_services() {
  if [ -n "$ROOT" ] || [ "$START" -eq 0 ]; then
    say "services not started (--root or --no-start): sudo systemctl restart porchlight.target"
    return
  fi
  # Restarting the target restarts every unit PartOf= it, so an upgrade takes effect now.
  # Type=notify: this returns once the hub is serving, or fails if it cannot start.
  systemctl restart porchlight.target || die "the services did not start: journalctl -u porchlight-hub -u porchlight-relay -b"
  say "services running"
  [ "$AGENT_ONLY" -eq 0 ] || return 0
  # Watching for "porchlight remote setup" from now on. The tunnel itself is started, not
  # restarted: an upgrade leaves phones' sessions alone; without a config it is skipped.
  systemctl start porchlight-wg-reload.path || die "porchlight-wg-reload.path did not start: journalctl -u porchlight-wg-reload.path -b"
  systemctl start porchlight-wg.service ||
    say "note: remote access is set up but its WireGuard interface did not come up: journalctl -u porchlight-wg -b (docs/remote.md)"
}

setup_url() {
  port=443
  runtime="$ROOT$STATE/hub/run/hub.json"
  if [ -r "$runtime" ]; then
    port=$(sed -n 's/.*"httpsPort":\([0-9]*\).*/\1/p' "$runtime")
    [ -n "$port" ] || port=443
  fi
  host=$(hostname 2>/dev/null || echo raspberrypi)
  suffix=""
  [ "$port" = 443 ] || suffix=":$port"
  say "https://$host.local$suffix/"
  ip=$(hostname -I 2>/dev/null | awk '{ print $1 }') || ip=
  [ -z "$ip" ] || say "https://$ip$suffix/"
}

do_install() {
  install_packages
  install_app
  install_accounts_and_dirs
  install_units
  start_services
  say ""
  if [ "$AGENT_ONLY" -eq 1 ]; then
    cat <<EOF
Porchlight's camera agent is installed${ROOT:+ under $ROOT}. For each camera, open a pairing
window on the hub (Cameras page, the sync button, or "porchlight pair open" there), then here:
  sudo porchlight agent pair --system --name frontdoor --source v4l2:/dev/video0 --hub https://HUB:443 --code CODE
  sudo systemctl enable --now porchlight-agent@frontdoor
Check this board with: sudo porchlight doctor
EOF
    return
  fi
  say "Porchlight is installed${ROOT:+ under $ROOT}. Finish the first-run setup in a browser on your home network:"
  setup_url | sed 's/^/  /'
  cat <<EOF
The browser warns about the hub's own certificate the first time; that is expected.
The setup page asks for a one-time setup code, which only someone on this machine can read:
  sudo -u porchlight porchlight setup code
Then check everything with:  sudo porchlight doctor
and add cameras as docs/install.md shows ("porchlight agent pair --system").
EOF
}

do_uninstall() {
  instances=$(agent_instances)
  # shellcheck disable=SC2086 # word splitting of the instance list is intended
  if [ -n "$ROOT" ]; then
    if [ -e "$ROOT$UNITDIR/porchlight.target" ]; then
      for u in porchlight.target porchlight-hub.service porchlight-relay.service porchlight-wg.service porchlight-wg-reload.path $instances; do
        sysctl disable --quiet "$u" 2>/dev/null || true
      done
    fi
  else
    systemctl disable --now --quiet porchlight.target porchlight-hub.service porchlight-relay.service porchlight-wg-reload.path porchlight-wg.service $instances 2>/dev/null || true
  fi
  for unit in $UNITS $WG_UNITS; do rm -f "$ROOT$UNITDIR/$unit"; done
  # Links left by an enable whose unit file is already gone.
  rm -f "$ROOT"/etc/systemd/system/*.wants/porchlight-agent@*.service "$ROOT"/etc/systemd/system/*.wants/porchlight-hub.service \
    "$ROOT"/etc/systemd/system/*.wants/porchlight-relay.service "$ROOT"/etc/systemd/system/*.wants/porchlight.target \
    "$ROOT"/etc/systemd/system/*.wants/porchlight-wg.service "$ROOT"/etc/systemd/system/*.wants/porchlight-wg-reload.path
  rmdir "$ROOT/etc/systemd/system/porchlight.target.wants" 2>/dev/null || true
  # Where an older porchlight-wg-reload.path was enabled by hand (WantedBy=porchlight-wg.service).
  rmdir "$ROOT/etc/systemd/system/porchlight-wg.service.wants" 2>/dev/null || true
  rm -f "$ROOT$SYSUSERS" "$ROOT$TMPFILES" "$ROOT/usr/local/bin/porchlight"
  rm -rf "$ROOT$APP" "$ROOT$APP.new" "$ROOT$APP.old"
  [ -n "$ROOT" ] || systemctl daemon-reload
  say "Porchlight's services and program are removed${ROOT:+ from $ROOT}."
}

do_purge() {
  if [ "$ASSUME_YES" -eq 0 ] && [ -t 0 ]; then
    printf 'This deletes %s (recordings, the footage key, accounts) and %s.\nCloud copies can only be read with a key exported by "porchlight keys export".\nType "purge" to go on: ' "$STATE" "$CONF"
    read -r answer
    [ "$answer" = purge ] || die "nothing deleted"
  fi
  do_uninstall
  rm -rf "$ROOT$CONF" "$ROOT$STATE"
  say "Deleted $CONF and $STATE. The $USER_NAME and $RELAY_USER users stay (as Debian leaves system users), so no"
  say "later account can inherit a file they owned; remove them with: sudo userdel $RELAY_USER; sudo userdel $USER_NAME"
}

case "$ACTION" in
  install) do_install ;;
  uninstall)
    do_uninstall
    say "Kept $CONF (configuration) and $STATE (recordings, keys, accounts); --purge deletes them."
    ;;
  purge) do_purge ;;
esac
