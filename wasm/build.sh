#!/usr/bin/env bash
# Builds the project's own kernels: wasm/src/<module>.c -> wasm/dist/<module>.wasm (freestanding C,
# no libc). Modules: resample (Lanczos3 resizing), ssimulacra2 (the SSIMULACRA2 metric).
#
# Needs clang and wasm-ld 16 (Debian 12: apt-get install -y clang-16 lld-16; 14 cannot emit relaxed
# SIMD's final opcodes). The output is deterministic:
# no debug info, no paths, no timestamps, so the same toolchain gives the same bytes and CI can
# rebuild and `cmp` it against the committed file.
#
# Usage: wasm/build.sh                     builds every module into wasm/dist/
#        wasm/build.sh <module> [out.wasm]  builds one module
#        wasm/build.sh <out.wasm>           (old form) builds resample into out.wasm
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
clang="${CLANG:-clang-16}"
wasm_ld="${WASM_LD:-wasm-ld-16}"

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

# Per-module flags: the scorer uses relaxed SIMD's fused multiply-add (V8 11.4+, every workerd).
module_flags() {
  case "$1" in
    ssimulacra2) echo -mrelaxed-simd ;;
  esac
}

build() {
  local name="$1" out="$2"
  [ -f "$here/src/$name.c" ] || { echo "no module wasm/src/$name.c" >&2; exit 2; }
  local extra
  read -r -a extra <<<"$(module_flags "$name")"
  # Compile and link in two steps: when clang drives the link itself it also runs binaryen's
  # wasm-opt if one happens to be on PATH, which changes the bytes from machine to machine.
  mkdir -p "$(dirname "$out")"
  local work
  work="$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")"
  (cd "$here/src" && "$clang" "${cflags[@]}" ${extra[@]+"${extra[@]}"} -c -o "$work/$name.o" "$name.c")
  "$wasm_ld" "${ldflags[@]}" -o "$work/$name.wasm" "$work/$name.o"
  chmod 644 "$work/$name.wasm"
  mv "$work/$name.wasm" "$out"
  rm -rf "$work"
  echo "$(sha256sum "$out" | cut -d' ' -f1)  $(basename "$out") ($(stat -c %s "$out") bytes)"
}

case "${1:-}" in
  "")
    for src in "$here"/src/*.c; do
      name="$(basename "$src" .c)"
      build "$name" "$here/dist/$name.wasm"
    done
    ;;
  *.wasm) build resample "$1" ;;
  *) build "$1" "${2:-$here/dist/$1.wasm}" ;;
esac
