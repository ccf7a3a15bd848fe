#!/usr/bin/env bash
# Installs what Porchlight needs on Debian 12 / Raspberry Pi OS with Node 20:
# system packages from apt, then the npm dependencies from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(ffmpeg openssl ca-certificates oathtool motion curl mosquitto chromium fonts-dejavu-core systemd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]} from apt" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian's motion package enables and starts a system-wide motion.service (it would take the
  # camera); Porchlight only runs motion itself, for benchmarks, so switch that service off.
  if [[ " ${missing[*]} " == *" motion "* ]] && [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now motion.service
  fi
  # Likewise mosquitto: the tests run their own broker on a free loopback port; a household's
  # Home Assistant broker is configured in hub.mqtt, not this one.
  if [[ " ${missing[*]} " == *" mosquitto "* ]] && [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now mosquitto.service
  fi
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node 20 or newer is needed (found $(node --version))" >&2
  exit 1
fi

# better-sqlite3 compiles from source where its prebuilt binary cannot be fetched (a few
# minutes on a Pi); @tensorflow/tfjs-node is optional and falls back to the WASM backend.
npm ci --no-audit --no-fund
npm run build --silent
