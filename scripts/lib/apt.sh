# Sourced by setup.sh and test-setup.sh: installs the Debian packages named that are not yet
# installed, with sudo when not root, and switches off the system services some of them start.
apt_install_missing() {
  local missing=() p sudo=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "$(basename "$0"): installing ${missing[*]} from apt" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian's motion and mosquitto packages enable and start system-wide services (motion would
  # take the camera); Porchlight only runs them itself, in tests and benchmarks. A household's
  # Home Assistant broker is configured in hub.mqtt, not this one.
  for p in motion mosquitto; do
    if [[ " ${missing[*]} " == *" $p "* ]] && [ -d /run/systemd/system ]; then
      $sudo systemctl disable --now "$p.service"
    fi
  done
}
