#!/usr/bin/env bash
# `make template-check`: cfn-lint (1.53.3, from .tools/sam) and `sam validate --lint` on template.yaml.
# Fails on any error; cfn-lint warnings fail too (informational findings do not).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"

bash scripts/install_sam.sh
export SAM_CLI_TELEMETRY=0

echo "cfn-lint $(.tools/sam/bin/cfn-lint --version | awk '{print $2}') template.yaml"
.tools/sam/bin/cfn-lint --format parseable template.yaml
echo "sam validate --lint"
.tools/sam/bin/sam validate --lint --template-file template.yaml --region "${AWS_DEFAULT_REGION:-us-east-1}"
