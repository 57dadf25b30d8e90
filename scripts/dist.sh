#!/usr/bin/env bash
# What an ERP developer downloads: one archive per platform with the library, the header, the
# JSON Schemas, the Pascal unit, the C# file, the README and the licences.
#
#   scripts/dist.sh [--out DIR] [--profile release|debug] [--list] [PLATFORM...]
#
# PLATFORM is linux-x64, windows-x64 or windows-x86 (all three when none is named). DIR defaults
# to target/dist. Linux gives ponte-VERSION-linux-x64.tar.gz (lib/libponte.so, lib/libponte.a,
# bin/ponte); Windows gives ponte-VERSION-windows-ARCH.zip (ponte.dll, the mingw import library
# libponte.dll.a, and the MSVC import library ponte.lib made from ponte.def with llvm-dlltool).
# The Windows builds need mingw-w64 and `rustup target add x86_64-pc-windows-gnu
# i686-pc-windows-gnu`; they go to CARGO_TARGET_DIR (default target/windows). --list prints the
# archives it would make, and makes none.
set -euo pipefail

out=""
profile=release
list=no
platforms=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --profile) profile="$2"; shift 2 ;;
    --list) list=yes; shift ;;
    linux-x64|windows-x64|windows-x86) platforms+=("$1"); shift ;;
    *) echo "dist.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$profile" in release|debug) ;; *) echo "dist.sh: --profile is release or debug" >&2; exit 2 ;; esac
[ ${#platforms[@]} -gt 0 ] || platforms=(linux-x64 windows-x64 windows-x86)

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${out:-$root/target/dist}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
flag=(); [ "$profile" = release ] && flag=(--release)
dir_of() { [ "$profile" = release ] && echo release || echo debug; }

# The files every archive carries besides the library.
common_files() {
  local stage="$1"
  mkdir -p "$stage/include/schemas" "$stage/bindings/pascal" "$stage/bindings/dotnet"
  cp include/ponte.h "$stage/include/"
  cp include/schemas/*.json "$stage/include/schemas/"
  cp bindings/pascal/Ponte.pas bindings/pascal/example.pas "$stage/bindings/pascal/"
  cp bindings/dotnet/Ponte.cs bindings/dotnet/Example.cs "$stage/bindings/dotnet/"
  cp README.md LICENSE-MIT LICENSE-APACHE "$stage/"
}

linux_x64() {
  local name="ponte-$version-linux-x64" target="${CARGO_TARGET_DIR:-$root/target}"
  cargo build --quiet "${flag[@]}" --lib --bin ponte
  local stage; stage="$(mktemp -d)/$name"
  mkdir -p "$stage/lib" "$stage/bin"
  cp "$target/$(dir_of)/libponte.so" "$target/$(dir_of)/libponte.a" "$stage/lib/"
  cp "$target/$(dir_of)/ponte" "$stage/bin/"
  common_files "$stage"
  tar -C "$(dirname "$stage")" -czf "$out/$name.tar.gz" "$name"
  # The staging copy holds the whole static library: hundreds of MB left behind per run.
  rm -rf "$(dirname "$stage")"
  echo "$out/$name.tar.gz"
}

windows() {
  local arch="$1" triple machine mingw
  case "$arch" in
    x64) triple=x86_64-pc-windows-gnu; machine=i386:x86-64; mingw=x86_64-w64-mingw32 ;;
    x86) triple=i686-pc-windows-gnu; machine=i386; mingw=i686-w64-mingw32 ;;
  esac
  local name="ponte-$version-windows-$arch" target="${CARGO_TARGET_DIR:-$root/target/windows}"
  # The library alone (the command line is Linux's here), with the sandbox store for rehearsal.
  CARGO_TARGET_DIR="$target" cargo build --quiet "${flag[@]}" --lib \
    --no-default-features --features sandbox --target "$triple"
  local built="$target/$triple/$(dir_of)"
  local stage; stage="$(mktemp -d)/$name"
  mkdir -p "$stage/lib"
  cp "$built/ponte.dll" "$built/libponte.dll.a" "$stage/lib/"
  # A release DLL ships without its symbol table (a quarter of its size); exports and the
  # version resource stay.
  if [ "$profile" = release ]; then "$mingw-strip" --strip-unneeded "$stage/lib/ponte.dll"; fi
  # ponte.def names every export of the header, as MSVC's linker needs for ponte.lib.
  {
    echo "LIBRARY ponte.dll"
    echo "EXPORTS"
    sed -n 's/^PONTE_API [^(]*[ *]\(ponte_[a-z0-9_]*\)(.*/    \1/p' include/ponte.h
  } > "$stage/lib/ponte.def"
  llvm-dlltool -m "$machine" -d "$stage/lib/ponte.def" -D ponte.dll -l "$stage/lib/ponte.lib"
  common_files "$stage"
  rm -f "$out/$name.zip"
  (cd "$(dirname "$stage")" && python3 -m zipfile -c "$out/$name.zip" "$name")
  rm -rf "$(dirname "$stage")"
  echo "$out/$name.zip"
}

for platform in "${platforms[@]}"; do
  if [ "$list" = yes ]; then
    case "$platform" in
      linux-*) echo "$out/ponte-$version-$platform.tar.gz" ;;
      *) echo "$out/ponte-$version-$platform.zip" ;;
    esac
    continue
  fi
  case "$platform" in
    linux-x64) linux_x64 ;;
    windows-x64) windows x64 ;;
    windows-x86) windows x86 ;;
  esac
done
