#!/usr/bin/env bash
# Install the AWS SAM CLI into its own venv at .tools/sam, apart from the app venv (.venv):
# aws-sam-cli pins boto3, click and others exactly, which must not leak into the app's lock.
# cfn-lint is pinned next to it (aws-sam-cli 1.170.0 accepts cfn-lint >=1.52.0,<1.59).
# Idempotent: when the pinned versions are already there it returns at once.
set -euo pipefail

SAM_CLI_VERSION="1.170.0"
CFN_LINT_VERSION="1.53.3"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${root}/.tools/sam"
stamp="${venv}/.installed"
want="aws-sam-cli==${SAM_CLI_VERSION} cfn-lint==${CFN_LINT_VERSION}"

if [[ -x "${venv}/bin/sam" && -x "${venv}/bin/cfn-lint" && -f "${stamp}" && "$(cat "${stamp}")" == "${want}" ]]; then
    exit 0
fi

py313="$(PYENV_VERSION=3.13.0 pyenv which python 2>/dev/null || command -v python3.13 || true)"
if [[ -z "${py313}" ]]; then
    echo "install_sam.sh: Python 3.13 not found (pyenv 3.13.0 or python3.13 on PATH)" >&2
    exit 1
fi

echo "Installing ${want} into ${venv} (Python: ${py313})"
rm -rf "${venv}"
mkdir -p "${root}/.tools"
if command -v uv >/dev/null 2>&1; then
    uv venv --quiet --python "${py313}" "${venv}"
    # shellcheck disable=SC2086
    uv pip install --quiet --python "${venv}/bin/python" ${want}
else
    "${py313}" -m venv "${venv}"
    "${venv}/bin/python" -m pip install --quiet --upgrade pip
    # shellcheck disable=SC2086
    "${venv}/bin/python" -m pip install --quiet ${want}
fi

"${venv}/bin/sam" --version
"${venv}/bin/cfn-lint" --version
echo "${want}" >"${stamp}"
