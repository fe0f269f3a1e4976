"""The optional hosting of the /billing page in template.yaml (WebHosting=true): a private bucket read by
CloudFront through origin access control, the page's security headers generated from web/security_headers.json,
the page's origin in the API's CORS allowlist, and nothing at all when WebHosting is false.

Each rule returns the problems it finds; the real template has none and a template broken on purpose is caught.
Reliability row F9.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from typing import Any

import pytest
from cfn_template import ROOT, load_template

from admin import web_headers

HOSTING = "WebHostingOn"
STRICT_REFERRER = {"strict-origin-when-cross-origin", "strict-origin", "same-origin", "no-referrer"}
YEAR_S = 365 * 24 * 3600


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture
def broken(template: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(template)


# ------------------------------------------------------------------------------------------ conditions


def evaluate(template: dict[str, Any], node: Any, params: dict[str, str]) -> Any:
    """Enough of CloudFormation's condition functions for this template's conditions."""
    if isinstance(node, dict) and len(node) == 1:
        ((key, arg),) = node.items()
        if key == "Ref":
            return params.get(arg, template["Parameters"].get(arg, {}).get("Default"))
        if key == "Condition":
            return evaluate(template, template["Conditions"][arg], params)
        if key == "Fn::Equals":
            return str(evaluate(template, arg[0], params)) == str(evaluate(template, arg[1], params))
        if key == "Fn::Not":
            return not evaluate(template, arg[0], params)
        if key == "Fn::And":
            return all(evaluate(template, a, params) for a in arg)
        if key == "Fn::Or":
            return any(evaluate(template, a, params) for a in arg)
    return node


def created(template: dict[str, Any], params: dict[str, str]) -> set[str]:
    out = set()
    for name, resource in template["Resources"].items():
        cond = resource.get("Condition")
        if cond is None or evaluate(template, template["Conditions"][cond], params):
            out.add(name)
    return out


def references(node: Any, under_hosting: bool = False) -> list[tuple[str, bool]]:
    """(logical id, inside the true branch of an `!If [WebHostingOn, ...]`) for each Ref/GetAtt/Sub reference."""
    found: list[tuple[str, bool]] = []
    if isinstance(node, dict):
        for key, arg in node.items():
            if key == "Fn::If" and arg[0] == HOSTING:
                found += references(arg[1], True) + references(arg[2], under_hosting)
            elif key == "Ref" and isinstance(arg, str):
                found.append((arg, under_hosting))
            elif key == "Fn::GetAtt":
                found.append((arg[0], under_hosting))
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                for part in text.split("${")[1:]:
                    found.append((part.split("}")[0].split(".")[0], under_hosting))
                if not isinstance(arg, str):
                    found += references(arg[1], under_hosting)
            else:
                found += references(arg, under_hosting)
    elif isinstance(node, list):
        for item in node:
            found += references(item, under_hosting)
    return found


def hosting_off_problems(template: dict[str, Any]) -> list[str]:
    """With WebHosting=false no hosting resource is created and nothing else depends on one."""
    problems = []
    if template["Parameters"]["WebHosting"].get("Default") != "false":
        problems.append("WebHosting must default to false")
    off = created(template, {"WebHosting": "false"})
    hosting_only = {name for name, r in template["Resources"].items() if r.get("Condition") == HOSTING}
    for name in off:
        rtype = template["Resources"][name]["Type"]
        if rtype.startswith(("AWS::CloudFront::", "AWS::S3::", "AWS::SSM::")):
            problems.append(f"{name} ({rtype}) is created with WebHosting=false")
    for section in ("Resources", "Outputs"):
        for name, body in template.get(section, {}).items():
            if body.get("Condition") == HOSTING:
                continue
            for target, guarded in references(body):
                if target in hosting_only and not guarded:
                    problems.append(f"{section}.{name} references {target} outside an !If [{HOSTING}, ...]")
    for name in ("WebUrl", "WebBucketName", "WebDistributionId"):
        if template["Outputs"].get(name, {}).get("Condition") != HOSTING:
            problems.append(f"output {name} missing or not under {HOSTING}")
    return problems


def test_nothing_is_hosted_when_web_hosting_is_false(template: dict[str, Any]) -> None:
    assert hosting_off_problems(template) == []
    on = created(template, {"WebHosting": "true"}) - created(template, {"WebHosting": "false"})
    assert {"WebBucket", "WebBucketPolicy", "WebOriginAccessControl", "WebDistribution"} <= on
    assert {"WebResponseHeadersPolicy", "WebRewriteFunction", "WebCorsOrigins"} <= on


def test_hosting_check_catches_an_unconditional_bucket_and_an_unguarded_reference(broken: dict[str, Any]) -> None:
    del broken["Resources"]["WebBucket"]["Condition"]
    broken["Resources"]["BillingHttpApi"]["Properties"]["CorsConfiguration"]["AllowOrigins"] = {
        "Fn::Split": [",", {"Fn::GetAtt": ["WebCorsOrigins", "Value"]}]
    }
    problems = hosting_off_problems(broken)
    assert any("WebBucket (AWS::S3::Bucket) is created" in p for p in problems)
    assert any("references WebCorsOrigins" in p for p in problems)


# ------------------------------------------------------------------------------------------ bucket and OAC


def bucket_problems(template: dict[str, Any]) -> list[str]:
    problems = []
    res = template["Resources"]
    props = res["WebBucket"]["Properties"]
    block = props.get("PublicAccessBlockConfiguration", {})
    for key in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"):
        if block.get(key) is not True:
            problems.append(f"bucket {key} is not true")
    rules = props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
    if not any(r.get("ServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules):
        problems.append("bucket without default encryption")
    if props.get("OwnershipControls", {}).get("Rules", [{}])[0].get("ObjectOwnership") != "BucketOwnerEnforced":
        problems.append("bucket ACLs not disabled (BucketOwnerEnforced)")
    statements = res["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    tls = [
        s
        for s in statements
        if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    if not tls or len(tls[0]["Resource"]) != 2:
        problems.append("no Deny of insecure transport on the bucket and its objects")
    allows = [s for s in statements if s["Effect"] == "Allow"]
    for s in allows:
        if s.get("Principal") != {"Service": "cloudfront.amazonaws.com"}:
            problems.append(f"bucket policy allows {s.get('Principal')}")
        if s.get("Action") != "s3:GetObject":
            problems.append(f"bucket policy allows {s.get('Action')}")
        source = s.get("Condition", {}).get("StringEquals", {}).get("AWS:SourceArn", {})
        if "${WebDistribution}" not in str(source.get("Fn::Sub", "")):
            problems.append("CloudFront's read is not limited to this distribution (AWS:SourceArn)")
    if len(allows) != 1:
        problems.append(f"expected one Allow (CloudFront reads), found {len(allows)}")
    return problems


def oac_problems(template: dict[str, Any]) -> list[str]:
    problems = []
    res = template["Resources"]
    if any(r["Type"] == "AWS::CloudFront::CloudFrontOriginAccessIdentity" for r in res.values()):
        problems.append("an origin access identity (legacy OAI) is declared")
    oac = res["WebOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    if (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) != (
        "s3",
        "always",
        "sigv4",
    ):
        problems.append(f"origin access control does not always sign S3 requests: {oac}")
    config = res["WebDistribution"]["Properties"]["DistributionConfig"]
    for origin in config["Origins"]:
        if origin.get("OriginAccessControlId") != {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}:
            problems.append(f"origin {origin['Id']} is not behind the origin access control")
        if origin.get("S3OriginConfig", {}).get("OriginAccessIdentity") != "":
            problems.append(f"origin {origin['Id']} uses an origin access identity")
    behavior = config["DefaultCacheBehavior"]
    if behavior.get("ViewerProtocolPolicy") not in ("redirect-to-https", "https-only"):
        problems.append("viewers may use plain HTTP")
    if behavior.get("ResponseHeadersPolicyId") != {"Ref": "WebResponseHeadersPolicy"}:
        problems.append("the page is served without the security headers policy")
    return problems


def test_the_bucket_is_private_encrypted_and_tls_only(template: dict[str, Any]) -> None:
    assert bucket_problems(template) == []


def test_bucket_check_catches_public_access_and_a_wide_policy(broken: dict[str, Any]) -> None:
    broken["Resources"]["WebBucket"]["Properties"]["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] = False
    statement = broken["Resources"]["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][1]
    statement["Principal"] = "*"
    del statement["Condition"]
    problems = bucket_problems(broken)
    assert "bucket BlockPublicPolicy is not true" in problems
    assert "bucket policy allows *" in problems
    assert any("AWS:SourceArn" in p for p in problems)


def test_cloudfront_reads_the_bucket_through_origin_access_control(template: dict[str, Any]) -> None:
    assert oac_problems(template) == []


def test_oac_check_catches_an_origin_access_identity(broken: dict[str, Any]) -> None:
    origin = broken["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]["Origins"][0]
    del origin["OriginAccessControlId"]
    origin["S3OriginConfig"]["OriginAccessIdentity"] = "origin-access-identity/cloudfront/E123"
    assert len(oac_problems(broken)) == 2


# ------------------------------------------------------------------------------------------ headers


def policy_config(template: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = template["Resources"]["WebResponseHeadersPolicy"]["Properties"]
    return config["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]


def directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


def header_problems(template: dict[str, Any]) -> list[str]:
    problems = []
    config = policy_config(template)
    csp = directives(config["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"][0])
    if any(s in ("'unsafe-inline'", "'unsafe-eval'", "*") for sources in csp.values() for s in sources):
        problems.append("unsafe-inline, unsafe-eval or * in the CSP")
    expected_exact = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "https://js.stripe.com", "https://*.js.stripe.com"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
        "connect-src": [
            "'self'",
            "${ApiOrigin}",
            "https://cognito-idp.${AWS::Region}.amazonaws.com",
            "https://api.stripe.com",
        ],
        "frame-ancestors": ["'self'", "${HostOrigins}"],
    }
    for name, sources in expected_exact.items():
        if csp.get(name) != sources:
            problems.append(f"{name} is {csp.get(name)}, expected {sources}")
    hsts = config["StrictTransportSecurity"]
    if int(hsts["AccessControlMaxAgeSec"]) < YEAR_S or hsts.get("IncludeSubdomains") is not True:
        problems.append(f"HSTS {hsts} is under a year or without includeSubDomains")
    if config["ReferrerPolicy"]["ReferrerPolicy"] not in STRICT_REFERRER:
        problems.append(f"Referrer-Policy {config['ReferrerPolicy']['ReferrerPolicy']}")
    if "ContentTypeOptions" not in config:
        problems.append("no X-Content-Type-Options: nosniff")
    return problems


def test_the_page_gets_a_strict_csp_hsts_referrer_policy_and_nosniff(template: dict[str, Any]) -> None:
    assert header_problems(template) == []
    variables = policy_config(template)["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"][1]
    assert variables["HostOrigins"] == {"Fn::Join": [" ", {"Fn::Split": [",", {"Ref": "WebHostOrigins"}]}]}
    assert variables["ApiOrigin"]["Fn::If"][:2] == ["HasWebApiOrigin", {"Ref": "WebApiOrigin"}]


def test_header_check_catches_unsafe_inline_and_a_short_hsts(broken: dict[str, Any]) -> None:
    config = policy_config(broken)
    sub = config["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    sub[0] = sub[0].replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
    config["StrictTransportSecurity"]["AccessControlMaxAgeSec"] = 86400
    problems = header_problems(broken)
    assert "unsafe-inline, unsafe-eval or * in the CSP" in problems
    assert any(p.startswith("HSTS") for p in problems)


def test_template_headers_are_generated_from_web_security_headers_json() -> None:
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    assert web_headers.current_block(text) == web_headers.template_block(web_headers.load_spec()), (
        "template.yaml and web/security_headers.json differ: run `make web-headers`"
    )


def test_drift_check_sees_a_changed_header_file(tmp_path: Any) -> None:
    spec = web_headers.load_spec()
    spec["content_security_policy"]["img-src"] = ["'self'"]
    changed = tmp_path / "security_headers.json"
    changed.write_text(json.dumps(spec), encoding="utf-8")
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    assert web_headers.current_block(text) != web_headers.template_block(web_headers.load_spec(changed))
    assert "img-src 'self'; font-src" in web_headers.render_template(text, web_headers.load_spec(changed))


# ------------------------------------------------------------------------------------------ CORS and routing


def test_the_hosted_page_origin_joins_the_api_cors_allowlist(template: dict[str, Any]) -> None:
    allow = template["Resources"]["BillingHttpApi"]["Properties"]["CorsConfiguration"]["AllowOrigins"]
    assert allow["Fn::If"][0] == HOSTING
    assert allow["Fn::If"][1] == {"Fn::Split": [",", {"Fn::GetAtt": ["WebCorsOrigins", "Value"]}]}
    assert allow["Fn::If"][2] == {"Ref": "CorsAllowedOrigins"}
    joined = template["Resources"]["WebCorsOrigins"]["Properties"]["Value"]["Fn::Join"]
    assert joined[1] == [
        {"Fn::Join": [",", {"Ref": "CorsAllowedOrigins"}]},
        {"Fn::Sub": "https://${WebDistribution.DomainName}"},
    ]


def run_rewrite(template: dict[str, Any], uri: str) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is required to run the CloudFront function: apt-get install -y nodejs")
    code = template["Resources"]["WebRewriteFunction"]["Properties"]["FunctionCode"]
    script = code + f"\nprocess.stdout.write(JSON.stringify(handler({{request: {{uri: {json.dumps(uri)}}}}})));"
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=60, check=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def test_billing_routes_to_its_index_and_the_root_redirects_to_billing(template: dict[str, Any]) -> None:
    assert run_rewrite(template, "/billing") == {"uri": "/billing/index.html"}
    assert run_rewrite(template, "/billing/") == {"uri": "/billing/index.html"}
    assert run_rewrite(template, "/billing/app.js") == {"uri": "/billing/app.js"}
    redirect = run_rewrite(template, "/")
    assert redirect["statusCode"] == 302 and redirect["headers"]["location"]["value"] == "/billing"
    behavior = template["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behavior["FunctionAssociations"][0]["EventType"] == "viewer-request"


def test_the_hosted_page_can_sign_in_with_the_created_user_pool_client(template: dict[str, Any]) -> None:
    """web/auth.js signs in with USER_PASSWORD_AUTH and refreshes with REFRESH_TOKEN_AUTH; the client the stack
    creates allows both when it hosts the page, and keeps SRP only otherwise."""
    flows = template["Resources"]["UserPoolClient"]["Properties"]["ExplicitAuthFlows"]["Fn::If"]
    assert flows[0] == HOSTING
    assert {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} <= set(flows[1])
    assert "ALLOW_USER_PASSWORD_AUTH" not in flows[2]
    auth_js = (ROOT / "web" / "auth.js").read_text(encoding="utf-8")
    assert 'AuthFlow: "USER_PASSWORD_AUTH"' in auth_js and "REFRESH_TOKEN_AUTH" in auth_js
