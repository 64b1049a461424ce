#!/usr/bin/env bash
# Builds wasm/dist/resample.wasm from wasm/src/resample.c (freestanding C, no libc).
#
# Needs clang and wasm-ld (Debian: apt-get install -y clang lld). The output is deterministic:
# no debug info, no paths, no timestamps, so the same toolchain gives the same bytes and CI can
# rebuild and `cmp` it against the committed file. Usage: wasm/build.sh [output.wasm]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/dist/resample.wasm}"
clang="${CLANG:-clang}"
wasm_ld="${WASM_LD:-wasm-ld}"

cflags=(
  --target=wasm32 -O3 -msimd128 -ffreestanding -nostdlib
  -std=c11 -Wall -Wextra -Werror
  -fno-ident                      # no compiler version string in the code
  -ffile-prefix-map="$here"=.      # in case a path ever leaks (assertions, debug info)
)
ldflags=(
  --no-entry                      # a library: no _start
  --strip-debug                   # keep the name section (readable trap stacks), drop DWARF
  -z stack-size=65536
  --initial-memory=131072         # 2 pages: stack and statics; the heap grows on demand
)

# Compile and link in two steps: when clang drives the link itself it also runs binaryen's
# wasm-opt if one happens to be on PATH, which changes the bytes from machine to machine.
mkdir -p "$(dirname "$out")"
work="$(mktemp -d "${TMPDIR:-/tmp}/resample.XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd "$here/src" && "$clang" "${cflags[@]}" -c -o "$work/resample.o" resample.c)
"$wasm_ld" "${ldflags[@]}" -o "$work/resample.wasm" "$work/resample.o"
chmod 644 "$work/resample.wasm"
mv "$work/resample.wasm" "$out"
echo "$(sha256sum "$out" | cut -d' ' -f1)  $(basename "$out") ($(stat -c %s "$out") bytes)"
