#!/usr/bin/env bash
# Rebuilds the project's own WebAssembly from source and fails if it differs from the committed
# modules (wasm/dist). Installs the Debian toolchains when they are missing (CI runs as root):
# clang-16 + lld-16 for the kernels, emscripten + cmake + dpkg-dev for libjpeg-turbo, emscripten + npm
# (the source download) + patch for MozJPEG, emscripten + cmake + curl + patch for libaom.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v clang-16 >/dev/null && command -v wasm-ld-16 >/dev/null || need+=(clang-16 lld-16)
command -v emcc >/dev/null && command -v cmake >/dev/null && command -v dpkg-source >/dev/null || need+=(emscripten cmake dpkg-dev)
command -v patch >/dev/null || need+=(patch)
command -v curl >/dev/null || need+=(curl)
command -v npm >/dev/null || [ -n "${MOZJPEG_SOURCES:-}" ] || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for module in resample ssimulacra2; do
  bash wasm/build.sh "$module" "$tmp/$module.wasm" >/dev/null
  cmp "wasm/dist/$module.wasm" "$tmp/$module.wasm"
  echo "wasm/dist/$module.wasm is reproducible from wasm/src"
done
bash wasm/jpeg/build.sh "$tmp/jpeg.wasm" >"$tmp/jpeg.log" 2>&1 || { cat "$tmp/jpeg.log"; exit 1; }
cmp wasm/dist/jpeg.wasm "$tmp/jpeg.wasm"
echo "wasm/dist/jpeg.wasm is reproducible from wasm/jpeg and libjpeg-turbo 2.1.5 (Debian)"
bash wasm/mozjpeg/build.sh "$tmp/mozjpeg.wasm" >"$tmp/mozjpeg.log" 2>&1 || { cat "$tmp/mozjpeg.log"; exit 1; }
cmp wasm/dist/mozjpeg.wasm "$tmp/mozjpeg.wasm"
echo "wasm/dist/mozjpeg.wasm is reproducible from wasm/mozjpeg and MozJPEG 3.2 (npm mozjpeg@8.0.0)"
bash wasm/avif/build.sh "$tmp/av1.wasm" >"$tmp/av1.log" 2>&1 || { cat "$tmp/av1.log"; exit 1; }
cmp wasm/dist/av1.wasm "$tmp/av1.wasm"
echo "wasm/dist/av1.wasm is reproducible from wasm/avif and libaom 3.12.1 (Debian 13)"
