#!/usr/bin/env bash
# Installs what skiff needs on a Debian machine and starts dockerd if it is not running.
# Safe to run again: every step checks first and skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

SYSTEM_PACKAGES=(docker.io haproxy docker-registry busybox-static debootstrap iproute2 iptables tmux chromium awscli)
# npm (the console's front-end libraries) comes with Debian's npm package unless node is installed otherwise
command -v npm >/dev/null 2>&1 || SYSTEM_PACKAGES+=(npm)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing system packages: ${missing[*]} (this takes a minute or two)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q -o Dpkg::Progress-Fancy=0
  apt-get install -y -q --no-install-recommends -o Dpkg::Progress-Fancy=0 "${missing[@]}"
  # The distribution starts a registry service we do not use; skiff runs its own.
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
else
  say "System packages present"
fi

# dockerd: start it detached in its own session, so stopping skiff never stops Docker, and with
# no descriptor but 0-2 (a caller's lock, e.g. `flock f make test`, would otherwise be held by
# dockerd for as long as it runs).
if ! docker info >/dev/null 2>&1; then
  say "Starting dockerd"
  mkdir -p /var/log
  setsid nohup bash -c 'for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; exec dockerd' \
    >/var/log/skiff-dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/skiff-dockerd.log" >&2; exit 1; }
else
  say "Docker engine running"
fi

# Images tasks and tests use, built offline from Debian's busybox-static (about a second).
bash scripts/build-images.sh busybox

# Python environment with skiff and its development tools.
STAMP=.venv/.installed
want="$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -x .venv/bin/python ]; then
  say "Creating .venv"
  python3 -m venv .venv
fi
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
  say "Installing skiff and its tools into .venv (pip shows progress)"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install --progress-bar on -e '.[dev]'
  echo "$want" > "$STAMP"
else
  say "Python environment up to date"
fi

# The web console's front-end libraries, from the npm registry, outside the repository.
CONSOLE_VENDOR=.venv/share/skiff-console
if [ ! -f "$CONSOLE_VENDOR/node_modules/uplot/dist/uPlot.iife.min.js" ]; then
  say "Installing the console's chart library (uPlot) into $CONSOLE_VENDOR"
  mkdir -p "$CONSOLE_VENDOR"
  npm install --silent --no-audit --no-fund --prefix "$CONSOLE_VENDOR" uplot@1.6 >/dev/null
else
  say "Console libraries present"
fi
