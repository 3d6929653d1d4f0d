#!/usr/bin/env bash
# Installs the Debian packages that streamopt's build, tests and demo need.
# Idempotent: when everything is already installed it changes nothing.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config   # toolchain
  libfmt-dev nlohmann-json3-dev      # core (nlohmann/json: header-only, build time only)
  libeigen3-dev                      # the engine's learned-model inference (header-only, build time only)
  libtorch-dev libxgboost-dev        # the learn component's trainers (LibTorch; XGBoost for tree ensembles)
  libcli11-dev                       # CLI (header-only)
  curl ca-certificates               # scripts/fetch_data.sh
  catch2 libbenchmark-dev            # tests and micro-benchmarks
  python3 python3-dev pybind11-dev python3-numpy python3-matplotlib python3-pytest  # Python module, report
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libvpx-dev libx265-dev  # codec component
  ffmpeg                             # codec tests compare PSNR/SSIM with ffmpeg's filters
  redis-server libhiredis-dev        # telemetry over Redis Streams (tests start their own redis-server)
  libboost-dev                       # the decision service, streamopt serve (Boost.Beast/Asio, header-only)
  chromium emscripten                # the browser end-to-end test: headless Chromium, the engine as WebAssembly
)
# npm ships with this machine's Node.js when it has one (NodeSource's nodejs
# conflicts with Debian's npm package); otherwise Debian's npm brings Node.js.
command -v npm >/dev/null || packages+=(npm)
# The browser end-to-end test drives Chromium with puppeteer-core and plays with
# dash.js 5 and hls.js 1, all from the npm registry (global:
# scripts/browser_e2e.sh adds `npm root -g` to NODE_PATH).
npm_packages=(dashjs@5.2.1 hls.js@1.7.4 puppeteer-core@24)

# Runs a command as root (through sudo when not root); asked only when
# something is missing, so an installed machine needs neither.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; return; fi
  command -v sudo >/dev/null || { echo "setup: run as root or install sudo" >&2; exit 1; }
  sudo "$@"
}

# Installs the npm packages that `npm ls -g` does not list at their version.
install_npm_packages() {
  local missing_npm=() p name version
  for p in "${npm_packages[@]}"; do
    name="${p%@*}" version="${p##*@}"
    npm ls -g --depth=0 "$name" 2>/dev/null | grep -q " $name@$version" || missing_npm+=("$p")
  done
  [ ${#missing_npm[@]} -eq 0 ] && return 0
  echo "setup: npm install -g ${missing_npm[*]}"
  as_root npm install -g --no-fund --no-audit --loglevel=error "${missing_npm[@]}"
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
else
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
install_npm_packages
