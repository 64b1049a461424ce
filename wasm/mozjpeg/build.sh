#!/usr/bin/env bash
# Builds wasm/dist/mozjpeg.wasm: the MozJPEG 3.2 encoder + wasm/mozjpeg/wrapper.c, a standalone
# WebAssembly module with no Emscripten JavaScript glue. See wasm/mozjpeg/README.md.
#
# Needs (Debian 12): apt-get install -y emscripten nodejs npm   (npm only to download the source)
# Usage: wasm/mozjpeg/build.sh [output.wasm]
#
# The source is the MozJPEG 3.2 tarball inside the npm package mozjpeg@8.0.0 (fetched with
# `npm pack`), checked against the SHA-256 sums below (the package and the tarball in it). To
# build offline, put mozjpeg-8.0.0.tgz in a directory and point MOZJPEG_SOURCES at it; it is
# checked the same way.
#
# MozJPEG 3.2's CMake build is Windows-only and its autotools build would run configure's tests
# for a host we do not have, so the script writes the two configuration headers itself (values
# below) and compiles the encoder's source files with emcc directly.
#
# The output is deterministic: fixed source, fixed flags, no debug info, build paths mapped
# away, so the same toolchain gives the same bytes. MOZJPEG_OPT (default "-O2 -msimd128") exists to measure
# other optimisation flags; the committed module is built with the default.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../dist/mozjpeg.wasm}"
opt="${MOZJPEG_OPT:--O2 -msimd128}"

package="mozjpeg-8.0.0.tgz"
package_sha256=2a28f72ac9991a53572e634efa668ab9bdafa4653aa6d771298f2212e49d9467
tarball="package/vendor/source/mozjpeg.tar.gz"
tarball_sha256=8aecc1ecad447a73ae01b9a546e99142345e5a92838d84af425f2b19202e7b73

for tool in emcc emar node tar patch sha256sum; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (apt-get install -y emscripten nodejs)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/mozjpeg-wasm.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sources" "$work/obj"

# --- 1. Source ---------------------------------------------------------------------------------
if [[ -n "${MOZJPEG_SOURCES:-}" ]]; then
  cp "$MOZJPEG_SOURCES/$package" "$work/sources/"
else
  command -v npm >/dev/null || { echo "build.sh: npm not found (or set MOZJPEG_SOURCES)" >&2; exit 1; }
  (cd "$work/sources" && npm pack --silent mozjpeg@8.0.0 >/dev/null)
fi
echo "$package_sha256  $work/sources/$package" | sha256sum --check --quiet
tar -xzf "$work/sources/$package" -C "$work/sources" "$tarball"
echo "$tarball_sha256  $work/sources/$tarball" | sha256sum --check --quiet
tar -xzf "$work/sources/$tarball" -C "$work"
src="$work/mozjpeg"
# Our changes to MozJPEG (see the README): faster loops in the progressive AC encoder, the Huffman
# table builder and trellis quantisation, each writing the same bytes.
for change in jcphuff jchuff jcdctmgr; do
  patch --quiet -p1 -d "$src" <"$here/$change.patch"
done

# --- 2. Configuration headers (what configure would write for wasm32 with clang) ---------------
# JPEG_LIB_VERSION 62 is configure's default (the libjpeg v6b API); MEM_SRCDST_SUPPORTED gives
# jpeg_mem_dest; no arithmetic coding, no SIMD (MozJPEG's SIMD code is x86/ARM/PowerPC only).
cat >"$work/jconfig.h" <<'H'
#define JPEG_LIB_VERSION 62
#define LIBJPEG_TURBO_VERSION 3.2
#define LIBJPEG_TURBO_VERSION_NUMBER 3002000
#define BITS_IN_JSAMPLE 8
#define HAVE_LOCALE_H 1
#define HAVE_STDDEF_H 1
#define HAVE_STDLIB_H 1
#define HAVE_UNSIGNED_CHAR 1
#define HAVE_UNSIGNED_SHORT 1
#define MEM_SRCDST_SUPPORTED 1
H
cat >"$work/jconfigint.h" <<'H'
#define BUILD "mozjpeg-3.2-wasm"
#define INLINE inline __attribute__((always_inline))
#define PACKAGE_NAME "mozjpeg"
#define VERSION "3.2"
#define SIZEOF_SIZE_T 4
H
# jcmaster.c prints a scan trace to stderr when trace_level > 0 (never here). Turning those
# fprintf calls into no-ops keeps stdio, and with it WASI imports, out of the module.
cat >"$work/no-trace.h" <<'H'
#include <stdio.h>
#define fprintf(...) ((void)0)
H

# --- 3. The encoder as a static library ---------------------------------------------------------
# The compression half of libjpeg (Makefile.am's libjpeg_la_SOURCES without the decoder), plus
# jsimd_none.c (the "no SIMD" stubs). NO_GETENV keeps the environment (and WASI) out.
library=(
  jcapimin.c jcapistd.c jccoefct.c jccolor.c jcdctmgr.c jcext.c jchuff.c jcinit.c jcmainct.c
  jcmarker.c jcmaster.c jcomapi.c jcparam.c jcphuff.c jcprepct.c jcsample.c jdatadst.c jerror.c
  jfdctflt.c jfdctfst.c jfdctint.c jutils.c jmemmgr.c jmemnobs.c jsimd_none.c
)
common_flags="-ffile-prefix-map=$work=/build -ffile-prefix-map=$here=. -fno-ident"
cflags=($opt $common_flags -DNDEBUG -DNO_GETENV -DNO_PUTENV -I"$work" -I"$src")
printf '%s\n' "${library[@]}" | xargs -P"$(nproc)" -I{} \
  emcc -c "${cflags[@]}" -include "$work/no-trace.h" -w "$src/{}" -o "$work/obj/{}.o"
objects=()
for file in "${library[@]}"; do objects+=("$work/obj/$file.o"); done
emar crD "$work/libjpeg.a" "${objects[@]}"

# --- 4. The wrapper, linked into a standalone module -------------------------------------------
# The only imports are env.mj_fail (the error handler), env.mj_read_rows (the pixel source) and
# env.emscripten_notify_memory_growth (a no-op for us); the script checks that below. emcc warns
# "undefined symbol: mj_fail" and "mj_read_rows": those are the imports. emmalloc is
# Emscripten's small allocator; memory starts at 1 MiB and grows.
exports='["_malloc","_free","_encode"]'
tmp="$work/mozjpeg.wasm"
emcc "$here/wrapper.c" "$work/libjpeg.a" \
  -I"$work" -I"$src" \
  -std=c11 -Wall -Wextra -Werror $opt $common_flags \
  -sSTANDALONE_WASM -sERROR_ON_UNDEFINED_SYMBOLS=0 --no-entry \
  -sEXPORTED_FUNCTIONS="$exports" \
  -sMALLOC=emmalloc -sFILESYSTEM=0 \
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=1MB -sTOTAL_STACK=128KB -sMAXIMUM_MEMORY=2GB \
  -o "$tmp" 2> >(grep -v "undefined symbol: mj_" >&2)

node --input-type=module - "$tmp" <<'JS'
import { readFileSync } from "node:fs";
const module = new WebAssembly.Module(readFileSync(process.argv[2]));
const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`).sort();
const exports = WebAssembly.Module.exports(module).map((e) => e.name).sort();
const expected = ["env.emscripten_notify_memory_growth:function", "env.mj_fail:function", "env.mj_read_rows:function"];
if (imports.join() !== expected.join()) throw new Error(`unexpected imports: ${imports.join(", ")}`);
for (const name of ["memory", "malloc", "free", "encode", "_initialize"]) {
  if (!exports.includes(name)) throw new Error(`missing export ${name} (have ${exports.join(", ")})`);
}
JS

mkdir -p "$(dirname "$out")"
mv "$tmp" "$out"
chmod 644 "$out"
echo "$(sha256sum "$out" | cut -d' ' -f1)  $(basename "$out") ($(stat -c %s "$out") bytes, $(gzip -9n <"$out" | wc -c) gzip -9)"
