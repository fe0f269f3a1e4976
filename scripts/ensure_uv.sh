#!/usr/bin/env bash
# Install uv into .tools/uv when the machine has none, so `make dev` works from a bare machine.
# uv comes from PyPI into its own venv (works wherever PyPI is reachable); when the system Python cannot make a
# venv, Astral's standalone installer is used instead. Either way nothing outside the project folder is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
target=.tools/uv
if [ -x "$target/bin/uv" ]; then
  exit 0
fi
echo "uv not found on PATH: installing it into $target" >&2
if python3 -m venv "$target" >/dev/null 2>&1; then
  "$target/bin/python" -m pip install -q --disable-pip-version-check uv
else
  rm -rf "$target"
  mkdir -p "$target/bin"
  curl -LsSf https://astral.sh/uv/install.sh | env UV_INSTALL_DIR="$PWD/$target/bin" INSTALLER_NO_MODIFY_PATH=1 sh
fi
"$target/bin/uv" --version >&2
