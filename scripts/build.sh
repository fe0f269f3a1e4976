#!/usr/bin/env bash
# `make build`: sam build for python3.13/arm64 without Docker, then precompile the bundle's bytecode.
#
# - SAM's python builder needs a `python3.13` on PATH: the pyenv 3.13.0 bin dir goes first.
# - The layer has `Metadata: BuildArchitecture: arm64`, so pip fetches manylinux aarch64 wheels even on an
#   x86_64 host; tests/template/sam_bundle.py fails the build if any x86_64 extension module slipped in.
# - Lambda cannot write __pycache__ at run time (read-only /var/task and /opt), so every .py is compiled here
#   by Python 3.13 with unchecked-hash pycs (zip mtimes do not matter), with the paths the code has on Lambda
#   (/var/task for functions, /opt for layers) so tracebacks name real files.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"

bash scripts/install_sam.sh

py313="$(PYENV_VERSION=3.13.0 pyenv which python 2>/dev/null || command -v python3.13 || true)"
if [[ -z "${py313}" ]]; then
    echo "build.sh: Python 3.13 not found (pyenv 3.13.0 or python3.13 on PATH)" >&2
    exit 1
fi
export PATH="$(dirname "${py313}"):${PATH}"
export PYENV_VERSION=3.13.0
export SAM_CLI_TELEMETRY=0

build_dir="${root}/.aws-sam/build"
# One build at a time: `make test` starts one in the background while the linters run, and the bundle tests
# run this script again; the second waits here, then finds SAM's cache warm.
mkdir -p "${root}/.aws-sam"
exec 9>"${root}/.aws-sam/.build.lock"
flock 9
.tools/sam/bin/sam build --template-file template.yaml --build-dir "${build_dir}" --cached --parallel

"${py313}" tests/template/sam_bundle.py compile "${build_dir}"
"${py313}" tests/template/sam_bundle.py check "${build_dir}"
