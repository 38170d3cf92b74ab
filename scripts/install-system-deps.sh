#!/usr/bin/env bash
# Installs the system libraries Returns Counter needs on Debian/Ubuntu, only when missing.
# Idempotent: a second run installs nothing. Uses sudo when not root.
set -euo pipefail

packages=(
  libzbar0            # pyzbar's decoder
  postgresql          # the test suite's real PostgreSQL server (and multi-counter stores)
  fonts-wqy-zenhei    # CJK glyphs for receipts printed as raster lines
  fonts-dejavu-core   # Latin/Cyrillic receipt font
  libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3   # Qt's runtime needs
  libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1   # Qt on X11
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  chromium            # headless browser for the head-office page tests
  chromium-driver     # its WebDriver (Selenium drives the console and status pages)
)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "Not a Debian/Ubuntu system: install zbar, PostgreSQL and a CJK font yourself." >&2
  exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing system packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
