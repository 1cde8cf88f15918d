#!/usr/bin/env bash
# Builds, offline, the container images skiff's tests and examples use.
#
#   scripts/build-images.sh [busybox] [python]   build the named images (no argument: busybox only)
#   scripts/build-images.sh --check              list which images exist, build nothing
#
# busybox  busybox:latest, skiff/busybox:latest and skiff/pause:latest, made from the host's
#          /bin/busybox (Debian package busybox-static). Rebuilt only when that binary changes:
#          its sha256 is kept in the image label skiff.busybox-sha256.
# python   skiff/python:3, a Debian bookworm root filesystem (debootstrap, minbase) with python3,
#          flask, requests, boto3 (current, from PyPI), curl and ca-certificates. The root
#          filesystem tarball is cached in ${SKIFF_CACHE_DIR:-$HOME/.cache/skiff}/images/, so after
#          `docker rmi` a rebuild only re-imports it. Skipped when the image exists.
#
# Environment: SKIFF_CACHE_DIR (cache directory), SKIFF_DEBIAN_MIRROR (Debian mirror for debootstrap;
# default: the bookworm mirror apt is configured with).
#
# Safe to run again: every step checks first and skips what is already there.
set -euo pipefail

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() {
  printf 'build-images: %s\n' "$*" >&2
  exit 1
}

BUSYBOX_BIN=/bin/busybox
DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
PAUSE_SCRIPT="trap 'exit 0' TERM INT; while :; do sleep 3600 & wait \$!; done"
PYTHON_IMAGE=skiff/python:3
PYTHON_SUITE=bookworm
CACHE_DIR="${SKIFF_CACHE_DIR:-$HOME/.cache/skiff}/images"
PYTHON_TARBALL="$CACHE_DIR/python-$PYTHON_SUITE-boto3.tar"  # renamed whenever the recipe changes

usage() {
  sed -n '2,19s/^# \{0,1\}//p' "$0"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

image_label() { # image label -> the label's value, empty when absent
  local value
  value="$(docker image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null)" || return 0
  [ "$value" = "<no value>" ] || printf '%s\n' "$value"
}

image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

human_size() { numfmt --to=si --suffix=B "$1" 2>/dev/null || echo "$1 bytes"; }

# --- temporary directories, unmounted (debootstrap mounts /proc, /sys, maybe /dev) and removed on exit ---
TMP_DIRS=()
cleanup() {
  local dir mnt
  for dir in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do
    [ -d "$dir" ] || continue
    # Innermost mounts first; never remove anything across a mount point.
    awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mnt; do
      umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
    done
    if awk -v d="$dir/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
      printf 'build-images: %s still has mounts; not removing it\n' "$dir" >&2
      continue
    fi
    rm -rf --one-file-system "$dir"
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

make_tmp_dir() { # prefix -> sets TMP_DIR (not a subshell, so the cleanup list keeps it)
  TMP_DIR="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  TMP_DIRS+=("$TMP_DIR")
}

require_docker() {
  command -v docker >/dev/null 2>&1 || die "docker is not installed (run scripts/setup.sh)"
  docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (run scripts/setup.sh)"
}

take_lock() { # one build at a time (tests may run this script concurrently)
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.build-images.lock"
  if ! flock -n 9; then
    say "Waiting for another build-images.sh to finish"
    flock 9
  fi
}

# --- busybox, skiff/busybox, skiff/pause ---

build_busybox() {
  local start=$SECONDS sha rootfs applet tag id ours
  [ -x "$BUSYBOX_BIN" ] || die "$BUSYBOX_BIN is missing: apt-get install busybox-static"
  "$BUSYBOX_BIN" --list >/dev/null 2>&1 || die "$BUSYBOX_BIN does not run"
  sha="$(sha256sum "$BUSYBOX_BIN" | cut -d' ' -f1)"
  say "busybox images from $BUSYBOX_BIN (sha256 ${sha:0:12}…)"

  local need=()
  for tag in skiff/busybox:latest skiff/pause:latest; do
    if [ "$(image_label "$tag" skiff.busybox-sha256)" = "$sha" ]; then
      note "$tag is up to date"
    else
      need+=("$tag")
    fi
  done

  if [ ${#need[@]} -gt 0 ]; then
    say "Making the busybox root filesystem"
    make_tmp_dir skiff-busybox
    rootfs="$TMP_DIR"
    mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,root,home,dev,proc,sys,var/tmp,tmp}
    chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
    chmod 700 "$rootfs/root"
    cp "$BUSYBOX_BIN" "$rootfs/bin/busybox"
    chmod 755 "$rootfs/bin/busybox"
    local count=0
    while read -r applet; do
      if [ -z "$applet" ] || [ "$applet" = busybox ]; then continue; fi
      ln -sf busybox "$rootfs/bin/$applet"
      count=$((count + 1))
    done < <("$BUSYBOX_BIN" --list)
    [ -L "$rootfs/bin/sh" ] || ln -s busybox "$rootfs/bin/sh"
    cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
    cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
EOF
    chmod 644 "$rootfs/etc/passwd" "$rootfs/etc/group"
    note "$count applets linked in /bin"

    for tag in "${need[@]}"; do
      local cmd
      case "$tag" in
        skiff/busybox:latest) cmd='["sh"]' ;;
        skiff/pause:latest) cmd="[\"sh\",\"-c\",\"$PAUSE_SCRIPT\"]" ;;
      esac
      say "Importing $tag"
      tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -c . |
        docker import \
          --change "CMD $cmd" \
          --change "ENV PATH=$DEFAULT_PATH" \
          --change "LABEL skiff.image=1 skiff.busybox-sha256=$sha" \
          --message "skiff: built by scripts/build-images.sh from $BUSYBOX_BIN" \
          - "$tag" >/dev/null
      note "$tag $(image_id "$tag" | cut -c8-19)"
    done
  fi

  # busybox:latest is skiff/busybox under the name task definitions use ("image": "busybox").
  id="$(image_id skiff/busybox:latest)"
  if [ "$(image_id busybox:latest)" = "$id" ]; then
    note "busybox:latest is up to date"
  else
    ours="$(image_label busybox:latest skiff.image)"
    if image_exists busybox:latest && [ "$ours" != 1 ]; then
      note "busybox:latest exists and was not built by skiff; leaving it alone"
    else
      say "Tagging skiff/busybox:latest as busybox:latest"
      docker tag skiff/busybox:latest busybox:latest
    fi
  fi
  say "busybox images ready ($((SECONDS - start)) s)"
}

# --- skiff/python:3 ---

debian_mirror() { # the mirror apt uses for $PYTHON_SUITE (deb822 .sources or one-line lists)
  if [ -n "${SKIFF_DEBIAN_MIRROR:-}" ]; then
    printf '%s\n' "$SKIFF_DEBIAN_MIRROR"
    return
  fi
  local mirror files=()
  shopt -s nullglob
  files=(/etc/apt/sources.list.d/*.sources)
  if [ ${#files[@]} -gt 0 ]; then
    mirror="$(awk -v suite="$PYTHON_SUITE" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && enabled != "no" && uris != "" && !found) {
          split(uris, u, " "); print u[1]; found = 1
        }
        types = suites = uris = enabled = ""
      }
      /^[ \t]*$/ { flush(); next }
      /^#/ { next }
      tolower($1) == "types:" { $1 = ""; types = $0 }
      tolower($1) == "suites:" { $1 = ""; suites = $0 }
      tolower($1) == "uris:" { $1 = ""; uris = $0; sub(/^ +/, "", uris) }
      tolower($1) == "enabled:" { enabled = tolower($2) }
      END { flush() }' "${files[@]}")"
  fi
  if [ -z "${mirror:-}" ]; then
    files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list)
    [ ${#files[@]} -gt 0 ] && mirror="$(awk -v suite="$PYTHON_SUITE" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
      }' "${files[@]}" 2>/dev/null)"
  fi
  shopt -u nullglob
  printf '%s\n' "${mirror:-http://deb.debian.org/debian}"
}

build_python_rootfs() {
  local mirror include policy rootfs phase_start
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap is missing: apt-get install debootstrap"
  [ "$(id -u)" = 0 ] || die "building the python root filesystem needs root (debootstrap)"
  mirror="$(debian_mirror)"
  include=python3,python3-flask,python3-requests,curl,ca-certificates

  phase_start=$SECONDS
  say "debootstrap $PYTHON_SUITE (minbase) from $mirror with $include"
  make_tmp_dir skiff-python
  rootfs="$TMP_DIR"
  debootstrap --variant=minbase --components=main --include="$include" \
    "$PYTHON_SUITE" "$rootfs" "$mirror"
  note "debootstrap took $((SECONDS - phase_start)) s"

  # A current boto3 from PyPI (Debian's 1.26 predates AWS_ENDPOINT_URL, which tasks rely on).
  # Pure Python, so the host's pip can install it for the image's python3.11.
  phase_start=$SECONDS
  say "pip install boto3 into the image"
  python3 -m pip install --quiet --no-compile --disable-pip-version-check \
    --target "$rootfs/usr/local/lib/python3.11/dist-packages" boto3
  note "boto3 took $((SECONDS - phase_start)) s"

  phase_start=$SECONDS
  say "Cleaning the root filesystem (apt lists and caches, docs, man pages, logs)"
  # debootstrap may leave /proc, /sys or /dev mounted; nothing below those goes into the image.
  awk -v d="$rootfs/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt"
  done
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/lintian "$rootfs"/usr/share/linda \
    "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/var/tmp/* "$rootfs"/root/.cache \
    "$rootfs"/etc/machine-id "$rootfs"/var/lib/dbus/machine-id
  mkdir -p "$rootfs"/var/lib/apt/lists/partial "$rootfs"/var/cache/apt/archives/partial
  # Docker provides these at run time.
  : >"$rootfs/etc/resolv.conf"
  : >"$rootfs/etc/hostname"
  # Packages installed later (apt-get in a derived image) skip docs and man pages too.
  mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/skiff-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/doc/*/copyright
EOF
  cat >"$rootfs/etc/apt/apt.conf.d/skiff-clean" <<'EOF'
APT::Install-Recommends "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
EOF
  note "cleaning took $((SECONDS - phase_start)) s"

  phase_start=$SECONDS
  say "Saving the root filesystem to $PYTHON_TARBALL"
  mkdir -p "$CACHE_DIR"
  tar --numeric-owner --one-file-system -C "$rootfs" \
    --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' \
    -cf "$PYTHON_TARBALL.partial" .
  mv -f "$PYTHON_TARBALL.partial" "$PYTHON_TARBALL"
  note "$(human_size "$(stat -c %s "$PYTHON_TARBALL")") in $((SECONDS - phase_start)) s"
}

build_python() {
  local start=$SECONDS phase_start
  if image_exists "$PYTHON_IMAGE"; then
    say "$PYTHON_IMAGE exists; skipping (docker rmi $PYTHON_IMAGE to rebuild)"
    return
  fi
  if [ -s "$PYTHON_TARBALL" ]; then
    say "Using the cached root filesystem $PYTHON_TARBALL"
  else
    build_python_rootfs
  fi
  phase_start=$SECONDS
  say "Importing $PYTHON_IMAGE"
  docker import \
    --change 'CMD ["python3"]' \
    --change "ENV PATH=$DEFAULT_PATH" \
    --change 'ENV LANG=C.UTF-8' \
    --change "LABEL skiff.image=1 skiff.debian-suite=$PYTHON_SUITE" \
    --message "skiff: built by scripts/build-images.sh (debootstrap $PYTHON_SUITE)" \
    "$PYTHON_TARBALL" "$PYTHON_IMAGE" >/dev/null
  note "import took $((SECONDS - phase_start)) s"
  say "$PYTHON_IMAGE ready: $(human_size "$(docker image inspect -f '{{.Size}}' "$PYTHON_IMAGE")")" \
    "($((SECONDS - start)) s)"
}

# --- --check ---

check() {
  local tag
  if ! docker info >/dev/null 2>&1; then
    echo "Docker engine not reachable: no images can be listed"
    return 0
  fi
  for tag in busybox:latest skiff/busybox:latest skiff/pause:latest "$PYTHON_IMAGE"; do
    if image_exists "$tag"; then
      local extra=""
      [ "$(image_label "$tag" skiff.image)" = 1 ] || extra=" (not built by skiff)"
      printf '%-22s present  %s  %s%s\n' "$tag" "$(image_id "$tag" | cut -c8-19)" \
        "$(human_size "$(docker image inspect -f '{{.Size}}' "$tag")")" "$extra"
    else
      printf '%-22s missing\n' "$tag"
    fi
  done
  if [ -s "$PYTHON_TARBALL" ]; then
    printf '%-22s %s (%s)\n' "python rootfs cache" "$PYTHON_TARBALL" \
      "$(human_size "$(stat -c %s "$PYTHON_TARBALL")")"
  else
    printf '%-22s none (%s)\n' "python rootfs cache" "$PYTHON_TARBALL"
  fi
}

# --- main ---

want_busybox=0
want_python=0
for arg in "$@"; do
  case "$arg" in
    --check)
      check
      exit 0
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    busybox) want_busybox=1 ;;
    python) want_python=1 ;;
    *)
      usage >&2
      die "unknown argument: $arg"
      ;;
  esac
done
[ $# -gt 0 ] || want_busybox=1

require_docker
take_lock
total_start=$SECONDS
[ "$want_busybox" = 0 ] || build_busybox
[ "$want_python" = 0 ] || build_python
say "Done in $((SECONDS - total_start)) s"
