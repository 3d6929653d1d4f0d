#!/usr/bin/env bash
# The decision service's container image (deploy/Containerfile, docs/deploy.md),
# built and run with buildah and podman, without any container registry: the
# Debian 12 base image is made here with debootstrap from the Debian mirror.
#
#   scripts/container.sh setup   install debootstrap, buildah, podman and runc (Debian; idempotent)
#   scripts/container.sh build   make the base image if it is missing, then build the image
#   scripts/container.sh smoke   start the image, check /healthz, one decision and the learned
#                                controller from the host, the user and a clean stop; then remove it
#   scripts/container.sh run [--port N] [--title DIR]... [-- STREAMOPT_ARGS...]
#                                run the service in the foreground on host port N (default 8080),
#                                serving the demo title and every --title manifest directory
#                                (mounted read-only); arguments after -- replace the image's command
#
# Environment:
#   STREAMOPT_IMAGE  the image built and run            (default localhost/streamopt:dev)
#   STREAMOPT_BASE   the Debian 12 base of both stages  (default localhost/debian:bookworm-minbase,
#                    made by `build` when missing; e.g. debian:bookworm-slim where a registry is
#                    reachable, then buildah pulls it)
#   DEBIAN_MIRROR    debootstrap's mirror               (default: the first .../debian URI in apt's
#                    sources, else http://deb.debian.org/debian)
#   JOBS             compile jobs in the build stage    (default 2)
#   CONTAINERS_CONF  podman/buildah configuration       (default deploy/containers.conf)
#   OCI_RUNTIME      podman's runtime                   (default runc)
#
# Needs root (debootstrap, and podman's default storage and networking).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
image="${STREAMOPT_IMAGE:-localhost/streamopt:dev}"
base="${STREAMOPT_BASE:-localhost/debian:bookworm-minbase}"
jobs="${JOBS:-2}"
runtime="${OCI_RUNTIME:-runc}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/deploy/containers.conf}"
tools_packages=(debootstrap buildah podman runc)
apt_line="apt-get update && apt-get install -y --no-install-recommends ${tools_packages[*]}"

say() { echo "container.sh: $*"; }
die() { echo "container.sh: $*" >&2; exit 1; }
need() {
  command -v "$1" >/dev/null 2>&1 ||
    die "'$1' is not installed; run 'scripts/container.sh setup' or: $apt_line"
}
need_root() {
  [ "$(id -u)" -eq 0 ] || die "$1 needs root (run it as root or with sudo)"
}

cmd_setup() {
  local missing=() p
  for p in "${tools_packages[@]}" curl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "setup: ${tools_packages[*]} curl already installed"
    return
  fi
  need_root "setup"
  say "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The Debian mirror apt already uses (deb822 .sources or one-line .list files).
find_mirror() {
  local uri
  uri=$({ sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n'
          sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\).*/\2/p' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null; } |
        grep -E '^https?://.*/debian/?$' | head -n 1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

rootfs=""
cleanup_rootfs() { if [ -n "$rootfs" ]; then rm -rf "$rootfs"; fi; }

# localhost/debian:bookworm-minbase: debootstrap --variant=minbase, trimmed as
# Debian's own -slim images are (no documentation, manual pages or
# translations, no apt lists or downloaded packages), imported into podman.
make_base() {
  if podman image exists "$base"; then
    say "base image $base exists"
    return
  fi
  case "$base" in
    localhost/*) ;;
    *) say "base image $base is not local: buildah pulls it"; return ;;
  esac
  need_root "making the base image"
  need debootstrap
  local mirror security start=$SECONDS
  mirror="${DEBIAN_MIRROR:-$(find_mirror)}"
  mirror="${mirror%/}"
  security="${mirror%/debian}/debian-security"
  trap cleanup_rootfs EXIT
  rootfs="$(mktemp -d /var/tmp/streamopt-rootfs.XXXXXX)"
  say "debootstrap --variant=minbase bookworm from $mirror (a few minutes)"
  nice -n 10 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" > "$rootfs.log" 2>&1 ||
    { tail -n 20 "$rootfs.log" >&2; die "debootstrap failed (log: $rootfs.log)"; }
  rm -f "$rootfs.log"
  {
    echo "deb $mirror bookworm main"
    echo "deb $mirror bookworm-updates main"
    [ "$security" != "$mirror" ] && echo "deb $security bookworm-security main"
  } > "$rootfs/etc/apt/sources.list"
  cat > "$rootfs/etc/dpkg/dpkg.cfg.d/streamopt-slim" <<'EOF'
# Keep images small: no documentation besides copyright files, no manual
# pages, no translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
  cat > "$rootfs/etc/apt/apt.conf.d/streamopt-slim" <<'EOF'
APT::Install-Recommends "false";
Dpkg::Options { "--force-unsafe-io"; };
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/log/* "$rootfs"/tmp/*
  tar --numeric-owner -C "$rootfs" -c . |
    podman import --change 'CMD ["/bin/bash"]' \
      --message "debootstrap --variant=minbase bookworm $mirror" - "$base" > /dev/null
  cleanup_rootfs
  rootfs=""
  say "base image $base made in $((SECONDS - start)) s ($(image_size "$base"))"
}

image_size() {
  podman image inspect --format '{{.Size}}' "$1" |
    awk '{ printf "%.1f MB", $1 / 1e6 }'
}

cmd_build() {
  need podman
  need buildah
  make_base
  local start=$SECONDS
  say "building $image from deploy/Containerfile (JOBS=$jobs, nice 10)"
  # --format docker keeps the HEALTHCHECK; --layers caches the steps between builds.
  nice -n 10 buildah bud --isolation chroot --format docker --layers \
    --build-arg "BASE=$base" --build-arg "JOBS=$jobs" \
    -f "$here/deploy/Containerfile" -t "$image" "$here"
  say "built $image in $((SECONDS - start)) s: $(image_size "$image")"
}

# A free TCP port on the host's loopback.
free_port() {
  local port
  for port in $(seq 18080 18180); do
    if ! { exec 9<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
      echo "$port"
      return
    fi
    exec 9<&-
  done
  die "no free port in 18080..18180"
}

container=""
cleanup_container() {
  # Only the container this script started, by its id.
  if [ -n "$container" ]; then
    podman rm -f -t 5 "$container" > /dev/null 2>&1 || true
    container=""
  fi
}

cmd_smoke() {
  need podman
  need curl
  podman image exists "$image" || die "no image $image: run 'scripts/container.sh build' first"
  trap cleanup_container EXIT INT TERM
  local port network start=$SECONDS
  port="$(free_port)"
  local name="streamopt-smoke-$$"
  # The published port first; host networking when this machine cannot
  # publish (the service then listens on the host's loopback itself).
  if container=$(podman run --runtime "$runtime" -d --name "$name" --read-only \
        -p "127.0.0.1:$port:8080" "$image" 2> "/tmp/$name.err"); then
    network="published port 127.0.0.1:$port -> 8080"
  else
    say "publishing a port failed ($(tail -n 1 "/tmp/$name.err")); trying host networking"
    podman rm -f "$name" > /dev/null 2>&1 || true
    container=$(podman run --runtime "$runtime" -d --name "$name" --read-only --network host "$image" \
      serve --listen "127.0.0.1:$port" --video /srv/streamopt/titles/demo) ||
      die "podman run failed: $(cat "/tmp/$name.err")"
    network="host network, 127.0.0.1:$port"
  fi
  rm -f "/tmp/$name.err"
  say "started $name (${container:0:12}) with $network, read-only root filesystem"
  local url="http://127.0.0.1:$port" tries=0
  until curl -fsS -o /dev/null "$url/healthz" 2> /dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || [ "$(podman inspect --format '{{.State.Running}}' "$container")" != true ]; then
      podman logs "$container" >&2 || true
      die "no 200 from $url/healthz after $tries tries"
    fi
    sleep 0.1
  done
  say "GET /healthz: 200 after $(( SECONDS - start )) s"

  local json='Content-Type: application/json' abr created id decision
  for abr in robust_mpc imitation; do
    created=$(curl -fsS -H "$json" -d "{\"abr\": \"$abr\", \"title\": \"demo\"}" "$url/v1/sessions") ||
      die "POST /v1/sessions ($abr) failed"
    id=$(printf '%s' "$created" | sed -n 's/.*"session":"\([0-9a-f]*\)".*/\1/p')
    [ -n "$id" ] || die "no session id in: $created"
    curl -fsS -o /dev/null -H "$json" \
      -d '{"segment": 0, "rung": 0, "size_bytes": 150000, "start_time_s": 0, "download_time_s": 0.5}' \
      "$url/v1/sessions/$id/download" || die "POST .../download ($abr) failed"
    decision=$(curl -fsS -H "$json" \
      -d '{"state": {"now_s": 0.5, "buffer_s": 4, "next_segment": 1, "segments_left": 48, "last_rung": 0}}' \
      "$url/v1/sessions/$id/decide") || die "POST .../decide ($abr) failed"
    case "$decision" in
      *'"rung":'*) ;;
      *) die "no rung in the $abr decision: $decision" ;;
    esac
    say "$abr decision: $(printf '%s' "$decision" | sed 's/,"reasons".*//')}"
  done
  curl -fsS "$url/metrics" | grep -q '^streamopt_decisions_total{controller="imitation"} 1$' ||
    die "/metrics does not count the imitation decision"
  say "GET /metrics counts the decisions"

  local uid
  uid=$(podman exec "$container" sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' /proc/1/status)
  [ -n "$uid" ] && [ "$uid" -ne 0 ] || die "the service runs as uid '${uid}', not as a non-root user"
  say "the service runs as uid $uid"
  if podman healthcheck run "$container" > /dev/null 2>&1; then
    say "podman healthcheck run: healthy"
  else
    die "podman healthcheck run: the image's HEALTHCHECK failed"
  fi
  local rss
  rss=$(podman exec "$container" sed -n 's/^VmRSS:[[:space:]]*//p' /proc/1/status)
  say "resident memory of the service: $rss"

  # (podman logs an error about healthcheck timers where systemd does not run: harmless.)
  podman stop -t 10 "$container" > /dev/null 2> "/tmp/$name.err" ||
    die "podman stop failed: $(cat "/tmp/$name.err")"
  rm -f "/tmp/$name.err"
  local code
  code=$(podman inspect --format '{{.State.ExitCode}}' "$container")
  [ "$code" -eq 0 ] || die "the service exited $code on SIGTERM"
  say "stopped with SIGTERM: exit 0"
  cleanup_container
  say "smoke test passed in $((SECONDS - start)) s"
}

cmd_run() {
  need podman
  podman image exists "$image" || die "no image $image: run 'scripts/container.sh build' first"
  local port=8080 mounts=() videos=(--video /srv/streamopt/titles/demo) dir name
  while [ $# -gt 0 ]; do
    case "$1" in
      --port) [ $# -ge 2 ] || die "--port needs a value"; port="$2"; shift 2 ;;
      --title)
        [ $# -ge 2 ] || die "--title needs a directory"
        dir="$(cd "$2" && pwd)" || die "--title $2: no such directory"
        [ -f "$dir/ladder.json" ] || die "--title $2: no ladder.json (docs/formats.md)"
        name="$(basename "$dir")"
        mounts+=(-v "$dir:/srv/streamopt/titles/$name:ro")
        videos+=(--video "/srv/streamopt/titles/$name")
        shift 2 ;;
      --) shift; break ;;
      *) die "run: unknown argument '$1' (--port N, --title DIR, -- STREAMOPT_ARGS)" ;;
    esac
  done
  local args=(serve --listen 0.0.0.0:8080 "${videos[@]}")
  [ $# -eq 0 ] || args=("$@")
  local tty=(-i)
  [ -t 0 ] && tty=(-it)
  say "http://127.0.0.1:$port (Ctrl-C stops it)"
  exec podman run --runtime "$runtime" --rm "${tty[@]}" --read-only --name "streamopt-$$" \
    -p "$port:8080" "${mounts[@]}" "$image" "${args[@]}"
}

case "${1:-}" in
  setup) cmd_setup ;;
  build) cmd_build ;;
  smoke) cmd_smoke ;;
  run) shift; cmd_run "$@" ;;
  *) sed -n '2,/^# Needs root/p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
