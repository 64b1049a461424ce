#!/usr/bin/env bash
# Builds wasm/dist/jpeg.wasm: libjpeg-turbo (Debian 12's source package) + wasm/jpeg/wrapper.c,
# a standalone WebAssembly module with no Emscripten JavaScript glue. See wasm/jpeg/README.md.
#
# Needs (Debian 12): apt-get install -y emscripten cmake dpkg-dev nodejs
# Usage: wasm/jpeg/build.sh [output.wasm]
#
# The source comes from Debian through a private apt configuration that adds a deb-src entry
# for bookworm (the system's apt sources are not touched), pinned to one version and checked
# against the SHA-256 sums below. To build offline, put the three files in a directory and
# point LIBJPEG_TURBO_SOURCES at it; they are checked the same way. DEBIAN_MIRROR and
# APT_OPTIONS (extra apt-get arguments) adjust the download.
#
# The output is deterministic: fixed source, fixed flags, no debug info, build paths mapped
# away, so the same toolchain gives the same bytes.
#
# The hottest decoding routines (islow, 4x4 and 2x2 inverse DCT, YCbCr->RGB, fancy upsampling) are
# our own WebAssembly SIMD versions in jsimd_wasm.c, bit-exact with libjpeg-turbo's C code, plugged
# into its jsimd_* dispatch; everything else is the C code.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../dist/jpeg.wasm}"

version="1:2.1.5-2"
upstream="2.1.5"
declare -A sha256=(
  [libjpeg-turbo_2.1.5-2.dsc]=d718ead0dfbcbc8523665c02a7f7152e31039ded641d022868722623bb3b486d
  [libjpeg-turbo_2.1.5.orig.tar.gz]=254f3642b04e309fee775123133c6464181addc150499561020312ec61c1bf7c
  [libjpeg-turbo_2.1.5-2.debian.tar.xz]=cdb2433c2f7101345c1ffa14efb943787c675b86354691a32490845fe4bc9237
)

for tool in emcc emcmake cmake node dpkg-source sha256sum; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (apt-get install -y emscripten cmake dpkg-dev)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/jpeg-wasm.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sources"

# --- 1. Source ---------------------------------------------------------------------------------
if [[ -n "${LIBJPEG_TURBO_SOURCES:-}" ]]; then
  for file in "${!sha256[@]}"; do cp "$LIBJPEG_TURBO_SOURCES/$file" "$work/sources/"; done
else
  apt_dir="$work/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  # DEBIAN_MIRROR may point at another mirror, e.g. snapshot.debian.org once bookworm has moved
  # on to a newer revision (snapshot's Release files are expired: add Acquire::Check-Valid-Until).
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${DEBIAN_MIRROR:-http://deb.debian.org/debian} bookworm main" \
    >"$apt_dir/sources.list"
  apt_options=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list"
    -o "Dir::Etc::SourceParts=$apt_dir/none"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache"
    -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=$(id -un)"
    ${APT_OPTIONS:-}
  )
  apt-get "${apt_options[@]}" -qq update
  (cd "$work/sources" && apt-get "${apt_options[@]}" -qq source --download-only "libjpeg-turbo=$version")
fi
(cd "$work/sources" && for file in "${!sha256[@]}"; do echo "${sha256[$file]}  $file"; done | sha256sum --check --quiet)
dpkg-source --no-check -x "$work/sources/libjpeg-turbo_2.1.5-2.dsc" "$work/src" >/dev/null
src="$work/src"
# wasm32 has native 64-bit integers but a 32-bit size_t, so libjpeg-turbo would pick its 32-bit
# Huffman bit buffer (refilled every 2 bytes). Give wasm the 64-bit buffer the library already
# uses for the x32 ABI (the same case: 64-bit registers, 32-bit pointers). Decoded output is
# identical; entropy decoding refills 6 bytes at a time.
sed -i 's/^#elif defined(__x86_64__) && defined(__ILP32__)$/#elif (defined(__x86_64__) \&\& defined(__ILP32__)) || defined(__wasm__)/' "$src/jdhuff.h"
sed -i 's/^#if SIZEOF_SIZE_T == 8 || defined(_WIN64) || (defined(__x86_64__) && defined(__ILP32__))$/& || defined(__wasm__)/' "$src/jdhuff.c"
grep -q 'defined(__wasm__)' "$src/jdhuff.h" && grep -q 'defined(__wasm__)' "$src/jdhuff.c" || { echo "the 64-bit bit buffer patch did not apply" >&2; exit 1; }

# --- 2. libjpeg-turbo as a static library ------------------------------------------------------
# -O flags only in CMAKE_C_FLAGS_RELEASE: in CMAKE_C_FLAGS they break configure's test links.
# Configure runs its test programs under Node; Emscripten's default Node flags are too new for
# Node 20, hence the emulator. NO_GETENV and NO_PUTENV keep the environment (and WASI imports)
# out; USE_CLZ_INTRINSIC replaces a 64 KiB bit-count table by the wasm clz instruction. BUILD is
# fixed: its default is today's date, which ends up in the module (libjpeg's version message).
# WITH_SIMD is defined by hand (CMake's WITH_SIMD option stays off, so no SIMD code of
# libjpeg-turbo's is built and jsimd_none.c is compiled): the library is then compiled as for a
# SIMD build, with 16-bit quantisation tables (ISLOW_MULT_TYPE short) and 64-byte row padding,
# which jsimd_wasm.c relies on (it checks the first). Decoded output and transcoding are unchanged.
common_flags="-ffile-prefix-map=$work=/build -fno-ident"
lib_defines="-DNO_GETENV -DNO_PUTENV -DUSE_CLZ_INTRINSIC -DWITH_SIMD"
(
  cd "$work"
  emcmake cmake -S "$src" -B "$work/build" -G "Unix Makefiles" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS="$common_flags $lib_defines" \
    -DCMAKE_C_FLAGS_RELEASE="-Os -DNDEBUG" \
    -DCMAKE_CROSSCOMPILING_EMULATOR="node;--no-experimental-fetch" \
    -DENABLE_SHARED=0 -DENABLE_STATIC=1 \
    -DWITH_SIMD=0 -DWITH_TURBOJPEG=0 -DWITH_JAVA=0 \
    -DWITH_ARITH_DEC=1 -DWITH_ARITH_ENC=0 \
    -DBUILD="$upstream" >"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; exit 1; }
  cmake --build "$work/build" --target jpeg-static -j"$(nproc)" >"$work/make.log" 2>&1 || { cat "$work/make.log" >&2; exit 1; }
)
grep -q -- "-DWITH_SIMD" "$work/build/CMakeFiles/jpeg-static.dir/flags.make" || { echo "libjpeg was not compiled with WITH_SIMD" >&2; exit 1; }

# --- 3. The SIMD routines ------------------------------------------------------------------------
# jsimd_wasm.c includes jsimd_none.c with the names of the routines it implements moved aside, so
# it defines every jsimd_* symbol and libjpeg.a's own jsimd_none.c.o is never linked (were it
# needed, the link would fail on duplicate symbols). -O2: at -Os the vector code is not inlined
# and loses most of its gain.
emcc -c "$here/jsimd_wasm.c" -o "$work/jsimd_wasm.o" \
  -I"$src" -I"$work/build" \
  -std=c11 -Wall -Wextra -Wno-unused-parameter -Werror -O2 -msimd128 -DNDEBUG $lib_defines \
  $common_flags -ffile-prefix-map="$here"=.
# The exactness check (jsimd_wasm_test.c): the SIMD routines against the library's C code on
# random blocks, every YCbCr triple and random rows; any difference fails the build. It links the
# same jsimd_wasm.o and libjpeg.a as the module and runs under Node (a few seconds). Linked at
# -O0, which skips Emscripten's JavaScript optimiser (it failed on the build machine's Node 20);
# the C is compiled at -O2. --no-experimental-fetch: the loader would fetch() the .wasm otherwise.
emcc -c "$here/jsimd_wasm_test.c" -o "$work/jsimd_wasm_test.o" \
  -I"$src" -I"$work/build" -std=c11 -Wall -Wextra -Werror -O2 -DNDEBUG $lib_defines
emcc "$work/jsimd_wasm_test.o" "$work/jsimd_wasm.o" "$work/build/libjpeg.a" -O0 -sINITIAL_MEMORY=64MB \
  -o "$work/jsimd_wasm_test.js"
node --no-experimental-fetch "$work/jsimd_wasm_test.js" >"$work/simd-test.log" 2>&1 || {
  cat "$work/simd-test.log" >&2; echo "jsimd_wasm.c does not match libjpeg-turbo's C code" >&2; exit 1; }
sed 's/^/jsimd_wasm_test: /' "$work/simd-test.log"

# --- 4. The wrapper, linked into a standalone module -------------------------------------------
# The only imports are env.jt_fail (the error handler, supplied by JavaScript) and
# env.emscripten_notify_memory_growth (a no-op for us); the script checks that below. emcc warns
# "undefined symbol: jt_fail": that is the import. emmalloc is Emscripten's small allocator;
# memory starts at 1 MiB and grows.
exports='["_malloc","_free","_decode_start","_decode_rows","_transcode"]'
tmp="$work/jpeg.wasm"
emcc "$here/wrapper.c" "$work/jsimd_wasm.o" "$work/build/libjpeg.a" \
  -I"$src" -I"$work/build" \
  -std=c11 -Wall -Wextra -Werror -Os $common_flags -ffile-prefix-map="$here"=. \
  -sSTANDALONE_WASM -sERROR_ON_UNDEFINED_SYMBOLS=0 --no-entry \
  -sEXPORTED_FUNCTIONS="$exports" \
  -sMALLOC=emmalloc -sFILESYSTEM=0 \
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=1MB -sTOTAL_STACK=128KB -sMAXIMUM_MEMORY=2GB \
  -o "$tmp"

node --input-type=module - "$tmp" <<'EOF'
import { readFileSync } from "node:fs";
const module = new WebAssembly.Module(readFileSync(process.argv[2]));
const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`);
const exports = WebAssembly.Module.exports(module).map((e) => e.name).sort();
if (imports.join() !== "env.jt_fail:function,env.emscripten_notify_memory_growth:function") throw new Error(`unexpected imports: ${imports.join(", ")}`);
for (const name of ["memory", "malloc", "free", "decode_start", "decode_rows", "transcode"]) {
  if (!exports.includes(name)) throw new Error(`missing export ${name} (have ${exports.join(", ")})`);
}
EOF

mkdir -p "$(dirname "$out")"
mv "$tmp" "$out"
chmod 644 "$out"
echo "$(sha256sum "$out" | cut -d' ' -f1)  $(basename "$out") ($(stat -c %s "$out") bytes, $(gzip -9n <"$out" | wc -c) gzip -9)"
