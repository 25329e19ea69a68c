#!/usr/bin/env bash
# Build the Python the frozen Linux program is made with: CPython 3.11 compiled in an Ubuntu
# 18.04 (bionic, glibc 2.27) chroot, so that it and every library it loads need glibc <= 2.27
# and the .deb runs on 统信UOS V20 (glibc 2.28) and 银河麒麟 V10 (glibc 2.31).
#
#     tools/build_python.sh            # prints the prefix, e.g. ~/.cache/bangjiao-build/python-…
#
# Relocatable: --enable-shared, every ELF file's RUNPATH points inside the prefix
# ($ORIGIN/../lib), and the libraries its modules load that are not glibc (OpenSSL 1.1.1 and
# libffi from bionic, a newer SQLite built here, liblzma, libbz2, zlib, libuuid) are copied into
# <prefix>/lib. No tkinter, readline, curses or dbm (the program uses none).
# Sources, all checked by SHA-256: CPython's and SQLite's release tarballs from Debian's pool
# (deb.debian.org, the .orig tarballs of bookworm's python3.11 and trixie's sqlite3) and the
# security fixes Debian 12 applies to its 3.11.2 (its debian/patches, from CVE-2024-0450 on);
# bionic's packages through apt (signed by Ubuntu's archive key, ubuntu-keyring from
# archive.ubuntu.com).
# Needs root (debootstrap, chroot; sudo otherwise), and the network on the first run only.
# Cached in $BANGJIAO_BUILD_CACHE (default ~/.cache/bangjiao-build): the chroot by its package
# list, the interpreter by this script's hash, so a second run only prints the prefix.
set -euo pipefail

script="$(readlink -f "$0")"
cache="${BANGJIAO_BUILD_CACHE:-$HOME/.cache/bangjiao-build}"
key="$(sha256sum "$script" | cut -c1-12)"
out="$cache/python-3.11-glibc2.27-$key"
if [ -x "$out/bin/python3.11" ]; then
  echo "$out"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  exec sudo BANGJIAO_BUILD_CACHE="$cache" "$script" "$@"
fi
log() { echo "build_python: $*" >&2; }
started=$SECONDS
mkdir -p "$cache/src"

MIRROR=http://archive.ubuntu.com/ubuntu
KEYRING_DEB="ubuntu-keyring_2018.09.18.1~18.04.2_all.deb"
KEYRING_SHA=5d8609563fb3074026b254d7d5248f90d393c7dbafcac48916f333bf3c90fed9
PYTHON_VERSION=3.11.2
PYTHON_TAR=python3.11_3.11.2.orig.tar.gz
PYTHON_SHA=2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849
# Debian 12's packaging of it: its security fixes (CVE-2023-… to CVE-2026-…) are applied
PYTHON_DEBIAN=python3.11_3.11.2-6+deb12u8.debian.tar.xz
PYTHON_DEBIAN_SHA=ece2d63c70ac0b7a401fbe6b51b0103be997c294a01a3865549be1862794ba97
FIRST_SECURITY_PATCH=CVE-2024-0450.patch  # debian/patches/series from here on, in order
SQLITE_TAR=sqlite3_3.46.1.orig.tar.xz
SQLITE_SHA=d0cdd2ece271b29e7ce18095745d892517ee26d0f270065b3a25c2e9eb11639c
PACKAGES="build-essential pkg-config patchelf xz-utils tcl libssl-dev libffi-dev zlib1g-dev
  libbz2-dev liblzma-dev uuid-dev"

fetch() {  # fetch URL FILE SHA256: download once into the cache, check the hash every time
  local file="$cache/src/$2"
  if [ ! -f "$file" ]; then
    log "downloading $1"
    curl -fsSL --retry 3 -o "$file.part" "$1"
    mv "$file.part" "$file"
  fi
  echo "$3  $file" | sha256sum -c --quiet - >&2 || { rm -f "$file"; log "bad hash: $file"; exit 1; }
}

# 1. Ubuntu 18.04 with the compilers and the -dev packages
chroot_dir="$cache/bionic"
chroot_key="$(echo "$MIRROR $PACKAGES" | sha256sum | cut -c1-12)"
if [ ! -f "$chroot_dir/.bangjiao-ready-$chroot_key" ]; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
  fetch "$MIRROR/pool/main/u/ubuntu-keyring/$KEYRING_DEB" "$KEYRING_DEB" "$KEYRING_SHA"
  keyring_dir="$cache/src/ubuntu-keyring"
  rm -rf "$keyring_dir" && dpkg-deb -x "$cache/src/$KEYRING_DEB" "$keyring_dir"
  keyring="$keyring_dir/usr/share/keyrings/ubuntu-archive-keyring.gpg"
  if [ ! -f "$chroot_dir/.bangjiao-debootstrap" ]; then
    for m in $(awk -v r="$chroot_dir/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r); do
      umount -l "$m"  # left by an interrupted run: never delete through a mount
    done
    rm -rf --one-file-system "$chroot_dir" "$chroot_dir.tmp"
    log "debootstrap bionic into $chroot_dir"
    debootstrap --variant=minbase --arch=amd64 --keyring="$keyring" bionic "$chroot_dir.tmp" "$MIRROR" >&2
    mv "$chroot_dir.tmp" "$chroot_dir"
    touch "$chroot_dir/.bangjiao-debootstrap"
  fi
  cat >"$chroot_dir/etc/apt/sources.list" <<EOF
deb $MIRROR bionic main universe
deb $MIRROR bionic-updates main universe
deb $MIRROR bionic-security main universe
EOF
  log "installing the build packages in the chroot"
  chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $(echo $PACKAGES)" >&2
  touch "$chroot_dir/.bangjiao-ready-$chroot_key"
fi

# 2. the sources
fetch "http://deb.debian.org/debian/pool/main/p/python3.11/$PYTHON_TAR" "$PYTHON_TAR" "$PYTHON_SHA"
fetch "http://deb.debian.org/debian/pool/main/p/python3.11/$PYTHON_DEBIAN" "$PYTHON_DEBIAN" "$PYTHON_DEBIAN_SHA"
fetch "http://deb.debian.org/debian/pool/main/s/sqlite3/$SQLITE_TAR" "$SQLITE_TAR" "$SQLITE_SHA"
rm -rf "$chroot_dir/build" && mkdir -p "$chroot_dir/build"
cp "$cache/src/$PYTHON_TAR" "$cache/src/$PYTHON_DEBIAN" "$cache/src/$SQLITE_TAR" "$chroot_dir/build/"
echo "$FIRST_SECURITY_PATCH" >"$chroot_dir/build/first-patch"

# 3. SQLite and CPython, built and installed into /opt/python inside the chroot
cat >"$chroot_dir/build/build.sh" <<'EOF'
set -eux
prefix=/opt/python
rm -rf "$prefix"
jobs=$(nproc)
cd /build
mkdir sqlite && tar -xJf sqlite3_*.orig.tar.xz -C sqlite --strip-components=1
cd sqlite
CFLAGS="-O2 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE -DSQLITE_ENABLE_DBSTAT_VTAB \
  -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_MAX_VARIABLE_NUMBER=250000" \
  ./configure --prefix="$prefix" --disable-static --disable-tcl --enable-threadsafe >/dev/null
make -j"$jobs" >/dev/null
make install >/dev/null
cd /build
mkdir cpython && tar -xzf python3.11_*.orig.tar.gz -C cpython --strip-components=1
tar -xJf python3.11_*.debian.tar.xz
cd cpython
first=$(cat /build/first-patch)
sed -n "/^$first\$/,\$p" /build/debian/patches/series | grep -v '^#' | while read -r name; do
  patch -p1 --forward --silent <"/build/debian/patches/$name" || exit 1
done
# Debian builds pyexpat into libpython; here it is a module, which may use the core headers
# that CVE-2026-4224's fix includes (as pyexpat.c does upstream from 3.12 on)
sed -i '1i #ifndef Py_BUILD_CORE_BUILTIN\n#  define Py_BUILD_CORE_MODULE 1\n#endif' Modules/pyexpat.c
export LD_LIBRARY_PATH="$prefix/lib"  # configure bakes it into the build's import checks
./configure --prefix="$prefix" --enable-shared --without-ensurepip --enable-loadable-sqlite-extensions \
  CPPFLAGS="-I$prefix/include" LDFLAGS="-L$prefix/lib" \
  py_cv_module__tkinter=n/a py_cv_module_readline=n/a py_cv_module__curses=n/a \
  py_cv_module__curses_panel=n/a py_cv_module__dbm=n/a py_cv_module__gdbm=n/a >/dev/null
make -j"$jobs" >/dev/null
make install >/dev/null
unset LD_LIBRARY_PATH
cd "$prefix"
rm -rf lib/python3.11/test lib/python3.11/idlelib lib/python3.11/tkinter lib/python3.11/turtledemo \
  lib/python3.11/lib2to3/tests lib/pkgconfig share include/sqlite3*.h bin/sqlite3 lib/libsqlite3.la
find . -name __pycache__ -prune -exec rm -rf {} +
# the libraries the interpreter's modules load, other than glibc's own, go into lib/
for elf in bin/python3.11 lib/libpython3.11.so.1.0 lib/python3.11/lib-dynload/*.so; do
  LD_LIBRARY_PATH="$prefix/lib" ldd "$elf" | awk '/=> \//{print $3}'
done | sort -u | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|libutil.so*|libcrypt.so*|ld-linux*) ;;
    *) [ -e "lib/$(basename "$lib")" ] || cp -L "$lib" lib/ ;;
  esac
done
# RUNPATH: bin/ and lib/ find lib/ at $ORIGIN/../lib, lib/python3.11/lib-dynload at $ORIGIN/../..
patchelf --set-rpath '$ORIGIN/../lib' bin/python3.11
for lib in lib/*.so*; do [ -L "$lib" ] || patchelf --set-rpath '$ORIGIN' "$lib"; done
for mod in lib/python3.11/lib-dynload/*.so; do patchelf --set-rpath '$ORIGIN/../..' "$mod"; done
bin/python3.11 -c "import ssl, sqlite3, ctypes, lzma, bz2, zlib, uuid, hashlib, decimal, pyexpat; \
  print(ssl.OPENSSL_VERSION, 'SQLite', sqlite3.sqlite_version)"
EOF
mount_points=()
cleanup() {
  for ((i = ${#mount_points[@]} - 1; i >= 0; i--)); do umount "${mount_points[$i]}" || true; done
}
trap cleanup EXIT
for fs in proc dev; do
  mkdir -p "$chroot_dir/$fs"
  if mountpoint -q "$chroot_dir/$fs"; then umount -l "$chroot_dir/$fs"; fi
  if [ "$fs" = proc ]; then mount -t proc proc "$chroot_dir/proc"; else mount --bind /dev "$chroot_dir/dev"; fi
  mount_points+=("$chroot_dir/$fs")
done
log "building SQLite and CPython $PYTHON_VERSION in the chroot (a few minutes)"
chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  bash /build/build.sh >"$cache/build-python.log" 2>&1 \
  || { tail -30 "$cache/build-python.log" >&2; log "failed: see $cache/build-python.log"; exit 1; }
tail -1 "$cache/build-python.log" >&2
cleanup
trap - EXIT

# 4. out of the chroot, checked on this machine: it runs from any folder
rm -rf "$out.tmp" && cp -a "$chroot_dir/opt/python" "$out.tmp"
"$out.tmp/bin/python3.11" -c "import ssl, sqlite3, ctypes, lzma; print(ssl.OPENSSL_VERSION)" >&2
rm -rf "$chroot_dir/build"
if [ -n "${SUDO_UID:-}" ]; then chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$out.tmp"; fi
mv "$out.tmp" "$out"
log "built $out in $((SECONDS - started)) s"
echo "$out"
