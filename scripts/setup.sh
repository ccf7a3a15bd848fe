#!/usr/bin/env bash
# Installs what Porchlight needs on Debian 12 / Raspberry Pi OS with Node 20: system packages
# from apt, then the npm dependencies from package-lock.json. What only the tests and the
# benchmark need is installed by scripts/test-setup.sh (run by `npm test`), to keep a Pi lean.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/apt.sh

apt_install_missing ffmpeg openssl ca-certificates oathtool curl systemd wireguard-tools
# Remote access (docs/remote.md) uses the kernel's WireGuard module, which Raspberry Pi OS and
# Debian 12 kernels ship; only a kernel without it needs the userspace wireguard-go, which
# wg-quick then starts in its place.
if [ ! -e /sys/module/wireguard ] && ! modprobe -n wireguard 2>/dev/null; then
  apt_install_missing wireguard-go
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
