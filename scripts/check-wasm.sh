#!/usr/bin/env bash
# Rebuilds the project's own WebAssembly from source and fails if it differs from the committed
# modules (wasm/dist). Installs the Debian toolchain when it is missing (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang >/dev/null || ! command -v wasm-ld >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang lld >/dev/null
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
bash wasm/build.sh "$tmp/resample.wasm" >/dev/null
cmp wasm/dist/resample.wasm "$tmp/resample.wasm"
echo "wasm/dist/resample.wasm is reproducible from wasm/src"
