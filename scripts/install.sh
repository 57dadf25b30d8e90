#!/usr/bin/env bash
# Installs Ponte for C, Delphi and C# callers: the shared and static libraries, the header, a
# pkg-config file, and the `ponte` command line.
#
#   scripts/install.sh [--prefix DIR] [--profile release|debug] [--no-build]
#
# DIR defaults to /usr/local. The libraries go to DIR/lib, the header to DIR/include, ponte.pc to
# DIR/lib/pkgconfig, the JSON Schemas to DIR/share/ponte/schemas and the command line to DIR/bin;
# then
#   cc $(pkg-config --cflags ponte) app.c $(pkg-config --libs ponte)            # shared
#   cc $(pkg-config --cflags ponte) app.c $(pkg-config --static --libs ponte)   # static
# (PKG_CONFIG_PATH=DIR/lib/pkgconfig when DIR is not where pkg-config looks).
set -euo pipefail

prefix=/usr/local
profile=release
build=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --profile) profile="$2"; shift 2 ;;
    --no-build) build=no; shift ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$profile" in release|debug) ;; *) echo "install.sh: --profile is release or debug" >&2; exit 2 ;; esac

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}/$profile"
if [ "$build" = yes ]; then
  flag=(); [ "$profile" = release ] && flag=(--release)
  cargo build "${flag[@]}" --lib --bin ponte
fi
# `cargo build` puts the libraries in $target; `cargo test` leaves them in $target/deps.
built() {
  for dir in "$target" "$target/deps"; do
    [ -e "$dir/$1" ] && { echo "$dir/$1"; return; }
  done
  echo "install.sh: $1 is not in $target; build first" >&2
  exit 1
}
shared="$(built libponte.so)"; static="$(built libponte.a)"; binary="$(built ponte)"

# What a program linking the static library also needs: as rustc says for this target when we
# build, else what it says for Linux on glibc (the list has not changed in years).
private="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
if [ "$build" = yes ]; then
  flag=(); [ "$profile" = release ] && flag=(--release)
  said="$(cargo rustc --quiet "${flag[@]}" --lib --crate-type staticlib \
    -- --print native-static-libs 2>&1 | sed -n 's/.*native-static-libs: //p' | tail -1)"
  [ -n "$said" ] && private="$said"
fi
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"

install -d "$prefix/lib/pkgconfig" "$prefix/include" "$prefix/bin" "$prefix/share/ponte/schemas"
install -m 0755 "$shared" "$prefix/lib/libponte.so"
install -m 0644 "$static" "$prefix/lib/libponte.a"
install -m 0644 include/ponte.h "$prefix/include/ponte.h"
install -m 0644 include/schemas/*.json "$prefix/share/ponte/schemas/"
install -m 0755 "$binary" "$prefix/bin/ponte"
cat > "$prefix/lib/pkgconfig/ponte.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: ponte
Description: The integration core an ERP embeds to sync its catalog to online stores and capture their orders
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lponte
Libs.private: $private
PC
echo "installed Ponte $version in $prefix (lib, include, lib/pkgconfig/ponte.pc, share/ponte/schemas, bin/ponte)"
