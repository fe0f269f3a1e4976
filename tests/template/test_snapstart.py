"""SnapStart in template.yaml: every API function has SnapStart on published versions and an alias, and after
SAM's translation (the pinned SAM CLI's own translator, from .tools/sam) every API integration and every invoke
permission of the API targets that alias, never the unqualified function ($LATEST has no snapshot).
"""

from __future__ import annotations

import copy
import json
import subprocess
from typing import Any

import pytest
from cfn_template import ROOT, functions, load_template, routes, snapstart_problems

SAM_PYTHON = ROOT / ".tools" / "sam" / "bin" / "python"

#: Run with the SAM CLI's interpreter: translate template.yaml (code locations replaced by S3 placeholders, as
#: `sam package` would) and print what the API invokes: integration URIs and invoke-permission targets.
TRANSLATE = r"""
import json, sys
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

doc = yaml_parse(open(sys.argv[1], encoding="utf-8").read())
for resource in doc["Resources"].values():
    props = resource.get("Properties") or {}
    for key in ("CodeUri", "ContentUri"):
        if key in props:
            props[key] = "s3://bucket/key"

class NoManagedPolicies:
    def load(self):
        return {}

out = transform(doc, {}, NoManagedPolicies())
uris, permissions = [], []
for name, resource in out["Resources"].items():
    props = resource.get("Properties") or {}
    if resource["Type"] == "AWS::ApiGatewayV2::Api":
        for path, operations in (props.get("Body") or {}).get("paths", {}).items():
            for method, operation in operations.items():
                integration = operation.get("x-amazon-apigateway-integration") or {}
                uris.append([method.upper(), path, integration.get("uri")])
    if resource["Type"] == "AWS::Lambda::Permission" and props.get("Principal") == "apigateway.amazonaws.com":
        permissions.append([name, props.get("FunctionName")])
print(json.dumps({"uris": uris, "permissions": permissions}))
"""


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def test_every_api_function_has_snapstart_on_published_versions_and_an_alias(template: dict[str, Any]) -> None:
    assert snapstart_problems(template) == []
    api_functions = {route.function for route in routes(template)}
    assert len(api_functions) >= 6


def test_snapstart_check_catches_a_function_without_alias_or_snapstart(template: dict[str, Any]) -> None:
    broken = copy.deepcopy(template)
    read = functions(broken)["BillingReadFunction"]
    del read["AutoPublishAlias"]
    functions(broken)["WebhookFunction"]["SnapStart"] = {"ApplyOn": "None"}
    problems = snapstart_problems(broken)
    assert any(p.startswith("BillingReadFunction: no AutoPublishAlias") for p in problems)
    assert any(p.startswith("WebhookFunction: SnapStart") for p in problems)


def _translated() -> dict[str, Any]:
    subprocess.run(["bash", str(ROOT / "scripts" / "install_sam.sh")], cwd=ROOT, check=True, timeout=600)
    result = subprocess.run(
        [str(SAM_PYTHON), "-c", TRANSLATE, str(ROOT / "template.yaml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    translated: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return translated


def test_the_api_invokes_each_function_through_its_alias(template: dict[str, Any]) -> None:
    """SAM points the HttpApi events of a function with AutoPublishAlias at the alias (`<Function>Alias<name>`)."""
    translated = _translated()
    aliases = {
        name: f"{name}Alias{props['AutoPublishAlias']}"
        for name, props in functions(template).items()
        if props.get("AutoPublishAlias")
    }
    api_routes = {(route.method, route.path): route.function for route in routes(template)}
    seen = set()
    for method, path, uri in translated["uris"]:
        function = api_routes.get((method, path))
        if function is None:
            continue
        seen.add((method, path))
        assert "${" + aliases[function] + "}" in json.dumps(uri), (method, path, uri)
    assert seen == set(api_routes), "every template route has an integration"
    assert translated["permissions"], "the API has invoke permissions"
    for name, target in translated["permissions"]:
        assert target in ({"Ref": alias} for alias in aliases.values()), (name, target)
