#!/usr/bin/env bash
# Builds llama.cpp's own benchmark tool, llama-bench, natively for this CPU (GGML_NATIVE) from the llama.cpp source
# that node-llama-cpp ships (tests/llama-cpp, a git bundle of the same release as its prebuilt binaries), and prints
# its path. The serving benchmark's --llama-bench PATH times it on the same weights: the prebuilt node-llama-cpp
# figure includes a JavaScript round trip per token, llama-bench's does not. Needs cmake and g++; takes ~5 minutes on
# 2 cores; cached under ~/.cache/twinforge/llama.cpp (or $TWINFORGE_CACHE/llama.cpp) and rebuilt only if missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="$root/tests/llama-cpp/node_modules/node-llama-cpp/llama/gitRelease.bundle"
if [ ! -f "$bundle" ]; then
  bash "$root/scripts/setup.sh" >&2
fi
[ -f "$bundle" ] || { echo "llama-bench.sh: no llama.cpp source at $bundle (npm ci --prefix tests/llama-cpp --omit=optional)" >&2; exit 1; }
cache="${TWINFORGE_CACHE:-$HOME/.cache/twinforge}/llama.cpp"
binary="$cache/build/bin/llama-bench"
if [ ! -x "$binary" ]; then
  command -v cmake >/dev/null && command -v g++ >/dev/null || { echo "llama-bench.sh: cmake and g++ are needed" >&2; exit 1; }
  rm -rf "$cache.partial"
  git clone -q "$bundle" "$cache.partial" >&2
  cmake -S "$cache.partial" -B "$cache.partial/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF >&2
  cmake --build "$cache.partial/build" --target llama-bench -j "$(nproc)" >&2
  rm -rf "$cache"
  mv "$cache.partial" "$cache"
fi
echo "$binary"
