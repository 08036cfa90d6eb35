# shellcheck shell=bash
# Shared helpers for the image build scripts in infra/images/ (sourced, not run).
#
# Images are built without a registry: a Debian bookworm minbase rootfs made once
# by debootstrap is cached as a tarball, unpacked per image, packages are added
# with apt inside a chroot, and the folder is streamed into `docker import`.
#
# Environment:
#   DOCKER_HOST                     engine to import into (see infra/docker/private-dockerd.sh)
#   FORCE=1                         rebuild even if the tag already exists
#   ALLMENDE_IMAGE_CACHE            cache folder (default /var/cache/allmende-images)
#   ALLMENDE_DEBIAN_MIRROR          Debian mirror (default: the build host's own apt sources)
#   ALLMENDE_DEBIAN_SECURITY_MIRROR security mirror (default: the host's, else <mirror>-security)
#
# A script picks its Debian release with `new_debian_rootfs [bookworm|trixie]` (default
# bookworm); each release has its own cached base tarball.

IMAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FILES_DIR="$IMAGES_DIR/files"
CACHE_DIR="${ALLMENDE_IMAGE_CACHE:-/var/cache/allmende-images}"
DEBIAN_SUITE=bookworm
# Bump when the base recipe below changes, so a stale cached tarball is rebuilt.
BASE_RECIPE_VERSION=2

log() { echo "[images] $*" >&2; }
die() { echo "[images] ERROR: $*" >&2; exit 1; }

require_root() {
  [[ "$(id -u)" == 0 ]] || die "must run as root (debootstrap, chroot, mount)"
}

require_docker() {
  command -v docker >/dev/null 2>&1 || die "docker client not found"
  docker version >/dev/null 2>&1 \
    || die "no Docker engine answers at ${DOCKER_HOST:-the default socket}; start one with infra/docker/private-dockerd.sh start and export DOCKER_HOST"
}

# apt-get install on the build host, only for tools that are missing.
ensure_host_pkg() { # ensure_host_pkg COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  require_root
  mkdir -p "$CACHE_DIR"
  # (build scripts may run side by side: one host apt at a time)
  (
    flock 9
    command -v "$1" >/dev/null 2>&1 && exit 0
    log "installing $2 on the build host"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2
  ) 9>"$CACHE_DIR/.host-apt.lock"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# Exit 0 from the calling script when there is nothing to do.
skip_if_built() { # skip_if_built TAG
  if [[ "${FORCE:-0}" != 1 ]] && image_exists "$1"; then
    log "$1 already exists (FORCE=1 rebuilds)"
    exit 0
  fi
}

# ---------------------------------------------------------------------------
# Debian mirrors: taken from the build host's apt configuration, never written here
# ---------------------------------------------------------------------------

# The URIs of the host's apt sources (deb822 and one-line formats), one per line.
host_apt_uris() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] && awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] && awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f"
  done
  return 0
}

debian_mirror() {
  if [[ -n "${ALLMENDE_DEBIAN_MIRROR:-}" ]]; then echo "$ALLMENDE_DEBIAN_MIRROR"; return; fi
  local uri
  uri="$(host_apt_uris | grep -v -- '-security' | head -n 1)"
  [[ -n "$uri" ]] || die "no Debian mirror in the host's apt sources; set ALLMENDE_DEBIAN_MIRROR"
  echo "${uri%/}"
}

debian_security_mirror() {
  if [[ -n "${ALLMENDE_DEBIAN_SECURITY_MIRROR:-}" ]]; then echo "$ALLMENDE_DEBIAN_SECURITY_MIRROR"; return; fi
  local uri
  uri="$(host_apt_uris | grep -- '-security' | head -n 1)"
  if [[ -n "$uri" ]]; then echo "${uri%/}"; else echo "$(debian_mirror)-security"; fi
}

base_tarball() { echo "$CACHE_DIR/debian-$DEBIAN_SUITE-minbase.tar"; }

# ---------------------------------------------------------------------------
# Base rootfs tarball (built once per Debian release, reused by every image of it)
# ---------------------------------------------------------------------------
ensure_base_tarball() {
  require_root
  local BASE_TARBALL DEBIAN_MIRROR
  BASE_TARBALL="$(base_tarball)"
  mkdir -p "$CACHE_DIR"
  # One builder at a time: parallel build scripts must not debootstrap twice.
  exec 8>"$CACHE_DIR/.base-$DEBIAN_SUITE.lock"
  flock 8
  if [[ -s "$BASE_TARBALL" && "$(cat "$BASE_TARBALL.version" 2>/dev/null)" == "$BASE_RECIPE_VERSION" ]]; then
    flock -u 8
    return 0
  fi
  ensure_host_pkg debootstrap debootstrap
  DEBIAN_MIRROR="$(debian_mirror)"
  local dir
  dir="$(mktemp -d "$CACHE_DIR/base.XXXXXX")"
  log "debootstrap --variant=minbase $DEBIAN_SUITE (once; cached as $BASE_TARBALL)"
  if ! debootstrap --variant=minbase "$DEBIAN_SUITE" "$dir" "$DEBIAN_MIRROR" >"$CACHE_DIR/debootstrap-$DEBIAN_SUITE.log" 2>&1; then
    tail -n 20 "$CACHE_DIR/debootstrap-$DEBIAN_SUITE.log" >&2
    umount_below "$dir"; rm -rf --one-file-system "$dir"
    die "debootstrap failed (log: $CACHE_DIR/debootstrap-$DEBIAN_SUITE.log)"
  fi
  umount_below "$dir"

  # The host's mirrors, for this release (security updates included).
  rm -f "$dir/etc/apt/sources.list"
  cat >"$dir/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $DEBIAN_MIRROR
Suites: $DEBIAN_SUITE $DEBIAN_SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $(debian_security_mirror)
Suites: $DEBIAN_SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  # Container conventions (as in the official debian images): no daemons
  # started by postinst, no recommends, no docs/man/locales, no apt cache.
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod 755 "$dir/usr/sbin/policy-rc.d"
  cat >"$dir/etc/apt/apt.conf.d/90allmende" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -f /var/cache/apt/*.bin || true"; };
EOF
  cat >"$dir/etc/dpkg/dpkg.cfg.d/90allmende-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-exclude=/usr/share/lintian/*
EOF
  find "$dir/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
  find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  rm -rf "$dir/usr/share/man" "$dir/usr/share/info" "$dir"/var/cache/apt/archives/*.deb \
    "$dir"/var/lib/apt/lists/* "$dir"/var/log/*.log "$dir"/var/log/apt/*
  mkdir -p "$dir/usr/share/man"
  : >"$dir/etc/resolv.conf"
  echo allmende >"$dir/etc/hostname"

  tar -C "$dir" --numeric-owner -cf "$BASE_TARBALL.tmp" .
  mv "$BASE_TARBALL.tmp" "$BASE_TARBALL"
  echo "$BASE_RECIPE_VERSION" >"$BASE_TARBALL.version"
  rm -rf --one-file-system "$dir"
  log "base tarball ready ($(du -h "$BASE_TARBALL" | cut -f1))"
  flock -u 8
}

# ---------------------------------------------------------------------------
# Per-image rootfs handling
# ---------------------------------------------------------------------------
ROOTFS=""

# Unmount everything mounted at or below $1, deepest first.
umount_below() {
  local dir="$1" m
  [[ -n "$dir" && -d "$dir" ]] || return 0
  while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done < <(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r)
}

cleanup_rootfs() {
  if [[ -n "$ROOTFS" && -d "$ROOTFS" ]]; then
    umount_below "$ROOTFS"
    # --one-file-system: never follow into anything still mounted.
    rm -rf --one-file-system "$ROOTFS"
  fi
  ROOTFS=""
}

# Unpack the cached base of a Debian release (default bookworm) into a fresh folder
# and prepare it for chroot+apt.
new_debian_rootfs() { # new_debian_rootfs [SUITE]
  require_root
  DEBIAN_SUITE="${1:-bookworm}"
  [[ "$DEBIAN_SUITE" =~ ^(bookworm|trixie)$ ]] || die "unknown Debian release '$DEBIAN_SUITE' (bookworm or trixie)"
  ensure_base_tarball
  local BASE_TARBALL
  BASE_TARBALL="$(base_tarball)"
  mkdir -p "$CACHE_DIR/work" "$CACHE_DIR/apt-archives-$DEBIAN_SUITE"
  ROOTFS="$(mktemp -d "$CACHE_DIR/work/rootfs.XXXXXX")"
  trap cleanup_rootfs EXIT
  tar -C "$ROOTFS" --numeric-owner -xf "$BASE_TARBALL"
  chmod 755 "$ROOTFS"
  # Device nodes apt/dpkg scripts expect; docker mounts its own /dev at run time.
  local spec name type major minor
  for spec in null:c:1:3 zero:c:1:5 full:c:1:7 random:c:1:8 urandom:c:1:9 tty:c:5:0; do
    IFS=: read -r name type major minor <<<"$spec"
    [[ -e "$ROOTFS/dev/$name" ]] || mknod -m 666 "$ROOTFS/dev/$name" "$type" "$major" "$minor"
  done
  mount -t proc proc "$ROOTFS/proc"
  # .deb files are kept on the host, so rebuilds (FORCE=1) do not download again. Each
  # rootfs gets hard links to them in its own archives folder (not a shared bind mount:
  # builds running side by side would fight over apt's archive lock and `apt-get clean`
  # would empty the shared folder); new downloads are linked back after apt-get install.
  mkdir -p "$ROOTFS/var/cache/apt/archives/partial"
  link_debs "$CACHE_DIR/apt-archives-$DEBIAN_SUITE" "$ROOTFS/var/cache/apt/archives"
  cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf" 2>/dev/null || true
}

# Hard-link (copy across file systems) the .deb files of FROM into TO, keeping existing ones:
# a file name is a package version, so two builds adding the same name add the same file.
link_debs() { # link_debs FROM TO
  local f
  for f in "$1"/*.deb; do
    [[ -f "$f" && ! -e "$2/${f##*/}" ]] || continue
    ln "$f" "$2/" 2>/dev/null || cp -n "$f" "$2/" 2>/dev/null || true
  done
}

in_rootfs() { # in_rootfs CMD ARGS...
  LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive chroot "$ROOTFS" "$@"
}

apt_install() { # apt_install PACKAGE...
  local apt_log
  apt_log="$CACHE_DIR/logs/$(basename "$ROOTFS").apt.log"
  mkdir -p "$CACHE_DIR/logs"
  log "apt-get install $* (log: $apt_log)"
  # --force-unsafe-io: no fsync per unpacked file (as Docker's own Debian images do); a
  # crashed build's rootfs is thrown away anyway.
  if ! { in_rootfs apt-get update -q && in_rootfs apt-get install -y -q -o Dpkg::Options::=--force-confold \
      -o Dpkg::Options::=--force-unsafe-io "$@"; } \
      >"$apt_log" 2>&1; then
    tail -n 25 "$apt_log" >&2
    die "apt-get failed in the chroot (log: $apt_log)"
  fi
  link_debs "$ROOTFS/var/cache/apt/archives" "$CACHE_DIR/apt-archives-$DEBIAN_SUITE"
}

# Copy a file from infra/images/files/ into the rootfs.
put_file() { # put_file SRC(relative to files/) DEST(absolute in rootfs) [MODE]
  install -D -m "${3:-644}" "$FILES_DIR/$1" "$ROOTFS$2"
}

# Strip caches/logs, unmount, and import the folder as TAG.
import_rootfs() { # import_rootfs TAG NAME [docker import -c change]...
  local tag="$1" name="$2"; shift 2
  in_rootfs apt-get clean
  umount_below "$ROOTFS"
  rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
    "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/var/log/apt/* "$ROOTFS"/var/log/*.log \
    "$ROOTFS"/tmp/* "$ROOTFS"/var/tmp/* "$ROOTFS"/root/.cache
  find "$ROOTFS/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
  # ssl-cert's snakeoil key would be the same private key in every container.
  rm -f "$ROOTFS/etc/ssl/certs/ssl-cert-snakeoil.pem" "$ROOTFS/etc/ssl/private/ssl-cert-snakeoil.key"
  : >"$ROOTFS/etc/resolv.conf"
  import_dir "$ROOTFS" "$tag" "$name" "$@"
}

import_dir() { # import_dir DIR TAG NAME [change]...
  local dir="$1" tag="$2" name="$3"; shift 3
  # not allmende.managed: containers inherit image labels, and that label must mean "created by Allmende"
  local changes=(-c "LABEL allmende.image=$name")
  local c
  for c in "$@"; do changes+=(-c "$c"); done
  local old_id
  old_id="$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)"
  log "docker import -> $tag"
  tar -C "$dir" --numeric-owner -c . | docker import "${changes[@]}" - "$tag" >/dev/null
  # A FORCE rebuild leaves the previous image untagged: drop it unless a container uses it or
  # another tag still names it (`docker rmi ID` would remove every tag of the same repository).
  if [[ -n "$old_id" && "$old_id" != "$(docker image inspect -f '{{.Id}}' "$tag")" ]] &&
    [[ "$(docker image inspect -f '{{len .RepoTags}}' "$old_id" 2>/dev/null)" == 0 ]]; then
    docker rmi "$old_id" >/dev/null 2>&1 || true
  fi
  log "$tag built ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
}
