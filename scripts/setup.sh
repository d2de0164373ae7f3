#!/usr/bin/env bash
# Installs what the build, the demo and the tests need beyond the .NET SDK. Idempotent; safe to run on every test run.
# - TorchSharp's native library is patched by the build itself where the system C++ runtime is too old
#   (build/TorchSharpNative.targets), without root.
# - The built-in corpora come from Debian packages fetched with `apt-get download` (no installation). That needs the
#   apt package lists; a fresh machine has none, so as root we fetch them once.
# - The voice twin needs Debian's espeak-ng, flite and pocketsphinx (+ its US English model), installed as root.
# - The report's plots need a font to draw their labels: fonts-dejavu-core, installed as root if no font is present.
# - The registry's PostgreSQL tests need a server: scripts/postgres.sh installs Debian's postgresql package if missing
#   and starts a private cluster on 127.0.0.1:55432 (never the system's cluster). Where it cannot, the tests say so:
#   skipped outside CI, failed in CI.
set -euo pipefail
if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET SDK (10.0) is required: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  exit 1
fi

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else return 1; fi
}

if command -v apt-get >/dev/null 2>&1; then
  if ! apt-cache show fortunes-bofh-excuses >/dev/null 2>&1; then
    echo "setup: fetching the apt package lists (the built-in corpora are Debian packages)"
    as_root apt-get update -qq || echo "setup: could not run apt-get update; the demo's corpora may not download" >&2
  fi
  # The voice twin's speakers and its judge of intelligibility are Debian programs: espeak-ng and flite render the
  # built-in speech corpus (and espeak-ng turns text into phonemes), pocketsphinx with its US English model transcribes.
  speech_missing=""
  command -v espeak-ng >/dev/null 2>&1 || speech_missing="$speech_missing espeak-ng"
  command -v flite >/dev/null 2>&1 || speech_missing="$speech_missing flite"
  command -v pocketsphinx_continuous >/dev/null 2>&1 && [ -d /usr/share/pocketsphinx/model/en-us ] \
    || speech_missing="$speech_missing pocketsphinx pocketsphinx-en-us"
  if [ -n "$speech_missing" ]; then
    echo "setup: installing$speech_missing (the voice twin's speech corpus and recogniser)"
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $speech_missing >/dev/null \
      || echo "setup: could not install$speech_missing; the voice tests that synthesise will be skipped (failed when CI=true)" >&2
  fi
  if ! fc-list 2>/dev/null | grep -q . && ! ls /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf >/dev/null 2>&1; then
    echo "setup: installing fonts-dejavu-core (labels in the report's plots)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null \
      || echo "setup: could not install fonts-dejavu-core; plots will have no text" >&2
  fi
fi

bash "$(dirname "$0")/postgres.sh" start \
  || echo "setup: could not start PostgreSQL; the registry's PostgreSQL tests will be skipped (failed when CI=true)" >&2

# The service's tests drive it with the official npm client as well (tests/npm-client, pinned by its
# package-lock.json): installed with the machine's Node.js and npm when they are there; without them those tests are
# skipped (failed when CI=true).
npm_client="$(cd "$(dirname "$0")/.." && pwd)/tests/npm-client"
if command -v npm >/dev/null 2>&1; then
  if [ ! -f "$npm_client/node_modules/openai/package.json" ]; then
    echo "setup: installing the npm openai client for the service's tests"
    npm ci --prefix "$npm_client" --no-audit --no-fund >/dev/null \
      || echo "setup: npm ci failed in tests/npm-client; the npm client tests will be skipped (failed when CI=true)" >&2
  fi
else
  echo "setup: no npm; the npm client tests will be skipped (failed when CI=true)" >&2
fi

# The GGUF export's slow tests run real llama.cpp: node-llama-cpp with its prebuilt linux-x64 CPU binary (a registry
# package), pinned in tests/llama-cpp; the GPU builds are optional dependencies and left out (--omit=optional).
llama_cpp="$(cd "$(dirname "$0")/.." && pwd)/tests/llama-cpp"
if command -v npm >/dev/null 2>&1; then
  if [ ! -f "$llama_cpp/node_modules/node-llama-cpp/package.json" ]; then
    echo "setup: installing node-llama-cpp for the GGUF export's tests"
    npm ci --prefix "$llama_cpp" --omit=optional --no-audit --no-fund >/dev/null \
      || echo "setup: npm ci failed in tests/llama-cpp; the llama.cpp tests will be skipped (failed when CI=true)" >&2
  fi
else
  echo "setup: no npm; the llama.cpp tests will be skipped (failed when CI=true)" >&2
fi
