#!/usr/bin/env bash
# Installs what the build and tests need beyond the .NET SDK. Idempotent; safe to run on every test run.
# Today: nothing but a check. TorchSharp's native library is patched by the build itself where the system C++
# runtime is too old (build/TorchSharpNative.targets), without root.
set -euo pipefail
if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET SDK (10.0) is required: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  exit 1
fi
