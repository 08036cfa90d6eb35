#!/usr/bin/env bash
# allmende/busybox:1 — a few-MB image from the host's busybox-static, for tests
# that just need "a container" (and wget/nc/httpd inside it).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

TAG=allmende/busybox:1
require_docker
skip_if_built "$TAG"
require_root
ensure_host_pkg busybox busybox-static
BUSYBOX="$(command -v busybox)"
# A dynamically linked busybox would need its libraries inside the image.
if ! LC_ALL=C file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' && ldd "$BUSYBOX" >/dev/null 2>&1; then
  die "$BUSYBOX is not static: apt-get install busybox-static"
fi

dir="$(mktemp -d)"
trap 'rm -rf --one-file-system "$dir"' EXIT
mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,var/tmp,proc,sys,dev,home}
chmod 1777 "$dir/tmp" "$dir/var/tmp"
cp "$BUSYBOX" "$dir/bin/busybox"
# Symlink every applet at its canonical path (relative links, so they also
# work when the rootfs is inspected from outside).
while read -r applet; do
  [[ -n "$applet" && "$applet" != bin/busybox ]] || continue
  [[ -e "$dir/$applet" || -L "$dir/$applet" ]] && continue
  # -s: do not resolve the host's own symlinks (merged /usr would turn /bin into /usr/bin)
  target="$(realpath -s -m --relative-to="$(dirname "/$applet")" /bin/busybox)"
  ln -s "$target" "$dir/$applet"
done < <("$BUSYBOX" --list-full)
cat >"$dir/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat >"$dir/etc/group" <<'GR'
root:x:0:
nogroup:x:65534:
GR

import_dir "$dir" "$TAG" busybox 'CMD ["sh"]' 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin'
