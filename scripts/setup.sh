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
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
