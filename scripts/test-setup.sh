#!/usr/bin/env bash
# What only the tests and the benchmark need, from Debian's apt (run by `npm test` and
# `npm run bench`; quick when everything is there):
# - chromium + fonts: the browser tests; mosquitto: the MQTT tests' broker; motion: the
#   benchmark's comparison;
# - GStreamer's RTSP server (python3-gi + gir1.2-gst-rtsp-server-1.0, with the plugins that
#   demux MPEG-TS and packetise H.264 and AAC): the IP camera the camera tests talk to;
# - opencv-doc: real CCTV footage (examples/data/vtest.avi) for the camera and motion tests;
#   tree.avi and people-free stills (building.jpg, leuvenA.jpg, home.jpg) as the object-alerts
#   benchmark's real nuisance footage;
# - wireguard-tools and wireguard-go: the remote access test runs WireGuard in userspace between
#   two network namespaces, whatever the kernel has;
# - pebble (with pebble-challtestsrv): Let's Encrypt's test ACME server, which the hub's
#   certificate tests (hub.acme) order from on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/apt.sh

apt_install_missing chromium fonts-dejavu-core mosquitto motion \
  python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav \
  opencv-doc wireguard-tools wireguard-go pebble
