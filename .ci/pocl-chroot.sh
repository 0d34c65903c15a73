#!/usr/bin/env bash
# A minimal Debian 13 "trixie" chroot with PoCL 6 (an OpenCL CPU device ILGPU accepts: generic address space,
# work-group collectives), so CI can run the ILGPU kernels on OpenCL on a machine without a GPU. Debian 12's
# PoCL 3.1 cannot run them (see ILGPU-NOTES.md, section 2), and trixie's PoCL does not install on bookworm.
#
#   .ci/pocl-chroot.sh build           build the chroot, or reuse it when a complete one is there
#   .ci/pocl-chroot.sh run CMD [ARG..] build/reuse, then run CMD inside it as root, in the checkout's folder
#   .ci/pocl-chroot.sh path            print the chroot's folder
#
# Inside, the checkout, the folder beside it named shared (when present) and the .NET install are bind-mounted
# at the same paths as outside, so a build made outside runs inside unchanged; /proc, /dev and /sys are mounted
# too. Every mount is undone when the command ends, however it ends.
#
# Settings (environment):
#   CORONETGAN_POCL_ROOT    the chroot's folder (default /var/cache/coronetgan-pocl; outside the checkout)
#   CORONETGAN_POCL_MIRROR  the Debian mirror (default: the first Debian archive the machine's apt sources name,
#                           else http://deb.debian.org/debian)
#
# Exit status: 0 = done (run: the command's own status; 124 when a signal, e.g. from timeout, stopped it); 75 = PoCL unavailable here (not root, no debootstrap, mirror
# unreachable, a mount refused...); the reason is printed on a line starting "pocl-chroot: unavailable:".
set -uo pipefail

UNAVAILABLE=75
SUITE=trixie
# What the chroot holds beyond minbase. PoCL + the ICD loader + clinfo for OpenCL; libicu76 and ca-certificates
# for .NET (the build sets InvariantGlobalization, but other tools may not); libstdc++6, libgcc-s1, zlib1g and
# libssl3t64 are what the .NET host and runtime link to (checked with ldd inside).
INCLUDE=pocl-opencl-icd,ocl-icd-libopencl1,clinfo,libicu76,ca-certificates,libstdc++6,libgcc-s1,zlib1g,libssl3t64
ROOT=${CORONETGAN_POCL_ROOT:-/var/cache/coronetgan-pocl}
MARKER="$ROOT/.coronetgan-pocl-complete"
CHECKOUT=$(cd "$(dirname "$0")/.." && pwd -P)

say() { echo "pocl-chroot: $*" >&2; }
unavailable() { echo "pocl-chroot: unavailable: $*" >&2; exit "$UNAVAILABLE"; }

# The first Debian archive (not -security, not a third-party repository) in the apt sources, one-line or deb822 form.
mirror() {
  if [ -n "${CORONETGAN_POCL_MIRROR:-}" ]; then echo "$CORONETGAN_POCL_MIRROR"; return; fi
  local m
  m=$( { cat /etc/apt/sources.list 2>/dev/null | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }'
         cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }'
         cat /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }'
       } | grep -E '/debian/?$' | grep -v -- '-security' | head -n 1)
  echo "${m:-http://deb.debian.org/debian}"
}

# The key of a complete chroot: rebuilt when the suite or the package list changes.
key() { echo "suite=$SUITE include=$INCLUDE"; }

# Mounts below a folder, deepest first.
mounts_under() { awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r; }

# Remove a folder only when nothing is mounted inside it (a bind-mounted checkout must never be deleted).
remove_tree() {
  local d=$1 m
  for m in $(mounts_under "$d"); do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  if [ -n "$(mounts_under "$d")" ]; then say "cannot remove $d: still mounted: $(mounts_under "$d" | tr '\n' ' ')"; return 1; fi
  rm -rf --one-file-system "$d"
}

build() {
  [ "$(id -u)" -eq 0 ] || unavailable "not root (debootstrap, chroot and mount need root)"
  if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$(key)" ]; then
    say "reusing $ROOT ($(du -sh --one-file-system "$ROOT" 2>/dev/null | cut -f1))"
    return 0
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q debootstrap >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q debootstrap >/dev/null 2>&1; } ||
      unavailable "debootstrap is not installed and apt-get could not install it"
  fi
  [ -e /usr/share/debootstrap/scripts/$SUITE ] || unavailable "this debootstrap has no script for $SUITE (update debootstrap)"
  local url tmp start
  url=$(mirror)
  tmp="$ROOT.partial"
  mkdir -p "$(dirname "$ROOT")" || unavailable "cannot create $(dirname "$ROOT")"
  if [ -e "$ROOT" ]; then remove_tree "$ROOT" || unavailable "a stale $ROOT could not be removed"; fi
  if [ -e "$tmp" ]; then remove_tree "$tmp" || unavailable "a stale $tmp could not be removed"; fi
  say "debootstrap --variant=minbase $SUITE from $url into $ROOT (a few minutes)"
  start=$(date +%s)
  local log="$tmp.log"
  # A signal (timeout) ends debootstrap with us; leave no half-built tree with /proc mounted inside.
  trap 'remove_tree "$tmp"; rm -f "$log"; exit 124' INT TERM
  if ! debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$tmp" "$url" >"$log" 2>&1; then
    tail -n 15 "$log" >&2
    remove_tree "$tmp"
    rm -f "$log"
    unavailable "debootstrap of $SUITE from $url failed (log above)"
  fi
  # Trim what no test needs: the package cache and documentation.
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/* "$tmp"/usr/share/doc "$tmp"/usr/share/man "$tmp"/usr/share/locale
  trap - INT TERM
  mv "$tmp" "$ROOT" || unavailable "cannot move $tmp to $ROOT"
  key >"$MARKER"   # written last: its presence means the chroot is complete
  rm -f "$log"
  say "built $ROOT in $(( $(date +%s) - start )) s, $(du -sh --one-file-system "$ROOT" | cut -f1)"
}

MOUNTED=()
unmount_all() {
  local i
  for (( i = ${#MOUNTED[@]} - 1; i >= 0; i-- )); do
    umount "${MOUNTED[$i]}" 2>/dev/null || umount -l "${MOUNTED[$i]}" 2>/dev/null || say "could not unmount ${MOUNTED[$i]}"
  done
  MOUNTED=()
}

# mount_at TARGET MOUNT-ARGS...: mount, and remember it for unmount_all.
mount_at() {
  local target=$1; shift
  mkdir -p "$target" || return 1
  mount "$@" "$target" || return 1
  MOUNTED+=("$target")
  # Where / is a shared mount (systemd's default), a bind joins its peer group, and a mount made below it inside
  # the chroot (dev/shm) would appear on the host too; a slave receives the host's mounts but sends none back.
  mount --make-rslave "$target" 2>/dev/null || true
}

# Bind a host folder at the same path inside the chroot (resolving symbolic links on the host side).
bind_same() {
  local src real
  src=$1
  real=$(readlink -f "$src")
  mount_at "$ROOT$src" --bind "$real"
}

run() {
  [ "$#" -gt 0 ] || { say "run needs a command"; exit 2; }
  build
  local dotnet_root=""
  if command -v dotnet >/dev/null 2>&1; then dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")"); fi
  trap unmount_all EXIT
  trap on_signal INT TERM
  mount_at "$ROOT/proc" -t proc proc || unavailable "cannot mount /proc in $ROOT"
  mount_at "$ROOT/dev" --bind /dev || unavailable "cannot bind /dev"
  mount_at "$ROOT/sys" --bind /sys || unavailable "cannot bind /sys"
  mount_at "$ROOT/dev/shm" -t tmpfs tmpfs || true
  [ -n "$dotnet_root" ] && { bind_same "$dotnet_root" || unavailable "cannot bind $dotnet_root"; }
  bind_same "$CHECKOUT" || unavailable "cannot bind the checkout $CHECKOUT"
  if [ -d "$CHECKOUT/../shared" ]; then bind_same "$(cd "$CHECKOUT/.." && pwd -P)/shared" || say "cannot bind ../shared"; fi
  cp -f /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
  local path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  [ -n "$dotnet_root" ] && path="$dotnet_root:$path"
  # In the background, in a session of its own, so a TERM (e.g. from timeout) reaches this script at once, which
  # then ends the whole process tree inside before the mounts are undone.
  setsid chroot "$ROOT" /usr/bin/env -i HOME=/root PATH="$path" TERM="${TERM:-dumb}" LANG=C.UTF-8 TMPDIR=/tmp \
    ${dotnet_root:+DOTNET_ROOT="$dotnet_root"} DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 \
    DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 ${CORONETGAN_CPU_THREADS:+CORONETGAN_CPU_THREADS="$CORONETGAN_CPU_THREADS"} \
    /bin/sh -c 'cd "$0" && exec "$@"' "$CHECKOUT" "$@" &
  CHILD=$!
  wait "$CHILD"
  local rc=$?
  CHILD=""
  return "$rc"
}

CHILD=""
on_signal() {
  if [ -n "$CHILD" ]; then
    say "stopping the command inside (signal)"
    kill -TERM -- "-$CHILD" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$CHILD" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$CHILD" 2>/dev/null
    wait "$CHILD" 2>/dev/null
  fi
  exit 124
}

# One user of the chroot at a time (a second CI job on the same machine waits here).
lock() {
  mkdir -p "$(dirname "$ROOT")" 2>/dev/null
  { exec 9>"$ROOT.lock"; } 2>/dev/null && flock 9 2>/dev/null || say "no lock on $ROOT.lock; going on without it"
}

case "${1:-}" in
  build) [ "$(id -u)" -eq 0 ] && lock; build ;;
  run) shift; [ "$(id -u)" -eq 0 ] && lock; run "$@" ;;
  path) echo "$ROOT" ;;
  *) echo "usage: $0 build | run CMD [ARGS...] | path" >&2; exit 2 ;;
esac
