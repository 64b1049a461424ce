#!/usr/bin/env bash
# Builds wasm/dist/av1.wasm: libaom 3.12.1 (Debian 13's source package, with Debian's patches) and
# wasm/avif/wrapper.c, an AV1 still-image encoder (all-intra, tune=iq) for the service's AVIF
# output. The AVIF container around its payload is written in TypeScript. See wasm/avif/README.md.
#
# Needs (Debian 12): apt-get install -y emscripten cmake curl patch
# Usage: wasm/avif/build.sh [output.wasm]
#
# The source is Debian 13's aom package, fetched from the Debian pool and checked against the
# SHA-256 sums below. To build offline, put the two files in a directory and point AOM_SOURCES at
# it. DEBIAN_MIRROR changes the mirror.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../dist/av1.wasm}"

version="3.12.1-1+deb13u1"
declare -A sha256=(
  [aom_3.12.1.orig.tar.gz]=40c929a41b2a59c24319a699c358351422829b3ae646de31b18cbabed0191962
  [aom_3.12.1-1+deb13u1.debian.tar.xz]=e94efe3356d69b0056dd95746f3cf29551130766b3f3503365e40e9d1c8f8ee7
)
# Of Debian's patches, the encoder's security fixes; the others concern the tools and docs.
patches=(
  0004-CVE-2026-56209-56210-56211-svc-layer-id-bounds-check.patch
  0005-CVE-2026-56208-lap-stats-buffer-overflow.patch
  0006-svc-add-more-spatial-temporal-layer-validation.patch
)

for tool in emcc emcmake emmake cmake curl patch sha256sum; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (apt-get install -y emscripten cmake curl patch)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/av1-wasm.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sources"

# --- 1. Source ---------------------------------------------------------------------------------
# The upstream tarball and Debian's packaging of trixie's aom $version, straight from the pool
# (the mirror here does not serve the .dsc, so dpkg-source is not used).
for file in "${!sha256[@]}"; do
  if [[ -n "${AOM_SOURCES:-}" ]]; then
    cp "$AOM_SOURCES/$file" "$work/sources/"
  else
    curl -fsS -o "$work/sources/$file" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}/pool/main/a/aom/$file"
  fi
done
(cd "$work/sources" && for file in "${!sha256[@]}"; do echo "${sha256[$file]}  $file"; done | sha256sum --check --quiet)
tar -xzf "$work/sources/aom_3.12.1.orig.tar.gz" -C "$work"
src="$work/aom-3.12.1"
tar -xJf "$work/sources/aom_$version.debian.tar.xz" -C "$work"
for change in "${patches[@]}"; do patch --quiet -p1 -d "$src" <"$work/debian/patches/$change"; done

# --- 2. libaom's encoder as a static library ---------------------------------------------------
# Generic C (libaom has no WebAssembly SIMD code; -msimd128 lets clang vectorise loops), one
# thread, no decoder, 8-bit only. Build paths are mapped away so the bytes do not depend on them.
map="-ffile-prefix-map=$work=/build -ffile-prefix-map=$here=. -fno-ident"
mkdir -p "$work/build"
(cd "$work/build" && emcmake cmake "$src" -DCMAKE_BUILD_TYPE=Release \
  -DAOM_TARGET_CPU=generic -DCONFIG_RUNTIME_CPU_DETECT=0 -DCONFIG_MULTITHREAD=0 \
  -DCONFIG_AV1_DECODER=0 -DCONFIG_AV1_HIGHBITDEPTH=0 -DCONFIG_WEBM_IO=0 \
  -DCONFIG_TUNE_VMAF=0 -DCONFIG_TUNE_BUTTERAUGLI=0 \
  -DENABLE_DOCS=0 -DENABLE_TESTS=0 -DENABLE_EXAMPLES=0 -DENABLE_TOOLS=0 \
  -DCMAKE_C_FLAGS="-msimd128 $map" -DCMAKE_CXX_FLAGS="-msimd128 $map" >/dev/null)
emmake make -C "$work/build" -j"$(nproc)" aom >/dev/null

# --- 3. The module -----------------------------------------------------------------------------
# libaom reports errors with setjmp/longjmp: Emscripten lowers them to invoke_* imports and
# _emscripten_throw_longjmp, which src/image/codecs/av1.ts provides. WASM_BIGINT passes 64-bit
# integers as BigInt, so those imports need no legalising wrappers.
exports='["_malloc","_free","_encode"]'
tmp="$work/av1.wasm"
emcc "$here/wrapper.c" "$work/build/libaom.a" -I"$src" -I"$work/build" \
  -std=c11 -Wall -Wextra -Werror -O2 -msimd128 $map \
  -sSTANDALONE_WASM -sWASM_BIGINT -sERROR_ON_UNDEFINED_SYMBOLS=0 --no-entry \
  -sEXPORTED_FUNCTIONS="$exports" -sMALLOC=emmalloc -sFILESYSTEM=0 \
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=4MB -sTOTAL_STACK=512KB -sMAXIMUM_MEMORY=2GB \
  -o "$tmp" 2> >(grep -v -E "undefined symbol: av1_(fail|read_rows)" >&2)

mkdir -p "$(dirname "$out")"
mv "$tmp" "$out"
chmod 644 "$out"
echo "$(sha256sum "$out" | cut -d' ' -f1)  $(basename "$out") ($(stat -c %s "$out") bytes, $(gzip -9n <"$out" | wc -c) gzip -9)"
