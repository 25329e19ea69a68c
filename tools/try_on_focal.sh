#!/usr/bin/env bash
# Install the built .deb on Ubuntu 20.04 (focal, glibc 2.31: the base of 银河麒麟 V10) in a
# chroot and run the smoke test of the installed program there.
#
#     tools/try_on_focal.sh [dist/bangjiao-desk_0.1.0_amd64.deb] [--display :65]
#
# The chroot (debootstrap, minbase) is kept in $BANGJIAO_BUILD_CACHE/focal (default
# ~/.cache/bangjiao-build) and reset to its freshly bootstrapped state for every run, so the .deb is
# always installed on a clean system: `apt-get install ./the.deb` inside it pulls the Depends from
# focal's archive, which proves focal has every package the .deb names. tools/smoke_installed.py
# runs here (it needs the source tree) and starts the program inside the chroot through a
# wrapper; its home folder is bind-mounted at the same path inside. With --display (a running X
# server, e.g. Xvfb) the window is also opened through Qt's xcb plugin with focal's X libraries.
# Needs root and the network (archive.ubuntu.com).
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir="$PWD"
if [ "$(id -u)" -ne 0 ]; then
  exec sudo env "PATH=$PATH" "$0" "$@"
fi
deb=""
display=""
while [ $# -gt 0 ]; do
  case "$1" in
    --display) display="$2"; shift 2 ;;
    *) deb="$1"; shift ;;
  esac
done
deb="$(readlink -f "${deb:-$(ls dist/bangjiao-desk_*_amd64.deb | tail -1)}")"
cache="${BANGJIAO_BUILD_CACHE:-$HOME/.cache/bangjiao-build}"
MIRROR=http://archive.ubuntu.com/ubuntu
KEYRING_DEB="ubuntu-keyring_2018.09.18.1~18.04.2_all.deb"
KEYRING_SHA=5d8609563fb3074026b254d7d5248f90d393c7dbafcac48916f333bf3c90fed9
base="$cache/focal-base.tar"
focal="$cache/focal"
started=$SECONDS

# 1. a bootstrapped focal, kept as a tarball, unpacked afresh for every run
if [ ! -f "$base" ]; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
  mkdir -p "$cache/src"
  keyring_deb="$cache/src/$KEYRING_DEB"
  [ -f "$keyring_deb" ] || curl -fsSL --retry 3 -o "$keyring_deb" "$MIRROR/pool/main/u/ubuntu-keyring/$KEYRING_DEB"
  echo "$KEYRING_SHA  $keyring_deb" | sha256sum -c --quiet -
  rm -rf "$cache/src/ubuntu-keyring" && dpkg-deb -x "$keyring_deb" "$cache/src/ubuntu-keyring"
  rm -rf "$focal.tmp"
  debootstrap --variant=minbase --arch=amd64 \
    --keyring="$cache/src/ubuntu-keyring/usr/share/keyrings/ubuntu-archive-keyring.gpg" \
    focal "$focal.tmp" "$MIRROR"
  cat >"$focal.tmp/etc/apt/sources.list" <<EOF
deb $MIRROR focal main universe
deb $MIRROR focal-updates main universe
deb $MIRROR focal-security main universe
EOF
  chroot "$focal.tmp" apt-get update -qq
  tar -C "$focal.tmp" -cf "$base.tmp" . && mv "$base.tmp" "$base"
  rm -rf "$focal.tmp"
fi
echo "focal base ready: $((SECONDS - started)) s"

mounts=()
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[$i]}" || true; done
  [ -n "${work:-}" ] && rm -rf "$work"
}
trap cleanup EXIT
mounted_inside() { awk -v r="$focal/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r; }
for m in $(mounted_inside); do umount -l "$m"; done  # left by an interrupted run
[ -z "$(mounted_inside)" ] || { echo "still mounted in $focal: $(mounted_inside)"; exit 1; }
rm -rf --one-file-system "$focal" && mkdir -p "$focal" && tar -C "$focal" -xf "$base"
mount -t proc proc "$focal/proc" && mounts+=("$focal/proc")
mount --bind /dev "$focal/dev" && mounts+=("$focal/dev")
cp /etc/resolv.conf "$focal/etc/resolv.conf"

# 2. the .deb installed by apt inside focal, its Depends from focal's archive
step=$SECONDS
cp "$deb" "$focal/tmp/"
chroot "$focal" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")"
chroot "$focal" dpkg-query -W -f='${Package} ${Version} ${Status}\n' bangjiao-desk
echo "focal: glibc $(chroot "$focal" ldd --version | head -1 | awk '{print $NF}'), installed in $((SECONDS - step)) s"
# every bundled ELF file finds its libraries on focal
missing="$(chroot "$focal" /bin/sh -c 'cd /opt/bangjiao-desk && find . -type f -name "*.so*" |
  while read -r f; do LD_LIBRARY_PATH=_internal ldd "$f" 2>/dev/null | grep "not found" | sed "s|^|$f: |"; done' | sort -u)"
[ -z "$missing" ] || { echo "libraries not found on focal:"; echo "$missing"; exit 1; }
echo "focal: every bundled library's dependencies found (ldd)"

# 3. the smoke test, the program run inside focal
work="$(mktemp -d /tmp/bangjiao-focal.XXXXXX)"
mkdir -p "$focal$work" && mount --bind "$work" "$focal$work" && mounts+=("$focal$work")
cat >"$work/bangjiao-desk" <<EOF
#!/bin/sh
# runs the program installed in the focal chroot, in the same folder
exec chroot "$focal" /bin/sh -c 'cd "\$0" && exec /usr/bin/bangjiao-desk "\$@"' "\$PWD" "\$@"
EOF
chmod +x "$work/bangjiao-desk"
step=$SECONDS
# without the PostgreSQL step: the chroot cannot see the host's socket folder of the CI's
# cluster (the installed program on the host runs it, .ci/run)
env -u BANGJIAO_TEST_POSTGRES uv run --project "$root_dir" python "$root_dir/tools/smoke_installed.py" \
  --binary "$work/bangjiao-desk" --home "$work/home"
echo "focal: smoke test $((SECONDS - step)) s; whole run $((SECONDS - started)) s"

if [ -n "$display" ]; then  # the window through xcb, with focal's X libraries
  mkdir -p "$focal/tmp/.X11-unix" && mount --bind /tmp/.X11-unix "$focal/tmp/.X11-unix"
  mounts+=("$focal/tmp/.X11-unix")
  chroot "$focal" /usr/bin/env HOME=/tmp/xcb-home DISPLAY="$display" QT_QPA_PLATFORM=xcb \
    /usr/bin/bangjiao-desk init --template qingtian-2018 --unit 县矫正办 >/dev/null
  chroot "$focal" /usr/bin/env HOME=/tmp/xcb-home DISPLAY="$display" QT_QPA_PLATFORM=xcb \
    BANGJIAO_QUIT_AFTER_OPEN=1 /usr/bin/bangjiao-desk
  grep -h "窗口已打开数据库" "$focal/tmp/xcb-home/.local/share/BangjiaoDesk/logs/bangjiao.log"
  echo "focal: the window opened through xcb on $display"
fi
