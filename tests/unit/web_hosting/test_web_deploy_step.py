"""`make web-deploy` against moto: the page's files land under billing/ with their content types and cache
headers, config.json is built from the stack outputs, CloudFront is invalidated; a stack without hosting is
left alone (exit 0); a missing output, an unknown file type or a failed upload is a clear error (F10)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from admin import web_deploy
from admin.web_deploy import DeployError, publish

REGION = "us-east-1"
STACK = "billing-test"
REPO = Path(__file__).resolve().parents[3]
OUTPUTS = {
    "WebUrl": "https://d111.cloudfront.net/billing",
    "ApiUrl": "https://abc123.execute-api.us-east-1.amazonaws.com",
    "UserPoolId": "us-east-1_AbC123",
    "UserPoolClientId": "client123",
    "StripePublishableKey": "pk_test_123",
    "WebHostOrigins": "https://app.example.com,https://admin.example.com",
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        cf = boto3.client("cloudfront", region_name=REGION)
        dist = cf.create_distribution(
            DistributionConfig={
                "CallerReference": "test",
                "Comment": "",
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {"Id": "o", "DomainName": "x.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
                    ],
                },
                "DefaultCacheBehavior": {
                    "TargetOriginId": "o",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                },
            }
        )["Distribution"]["Id"]
        yield {
            "cfn": boto3.client("cloudformation", region_name=REGION),
            "s3": boto3.client("s3", region_name=REGION),
            "cloudfront": cf,
            "distribution_id": dist,
        }


def create_stack(aws: dict[str, Any], outputs: dict[str, str], hosted: bool = True, api_origin: str = "") -> None:
    """A stack with the hosting bucket (WebBucketName) and the given outputs, as `sam deploy` leaves them."""
    template: dict[str, Any] = {
        "Parameters": {"WebApiOrigin": {"Type": "String", "Default": ""}},
        "Resources": {"WebBucket": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {k: {"Value": v} for k, v in outputs.items()},
    }
    if hosted:
        template["Outputs"]["WebBucketName"] = {"Value": {"Ref": "WebBucket"}}
        template["Outputs"]["WebDistributionId"] = {"Value": aws["distribution_id"]}
    aws["cfn"].create_stack(
        StackName=STACK,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "WebApiOrigin", "ParameterValue": api_origin}],
    )


def bucket(aws: dict[str, Any]) -> str:
    outputs = aws["cfn"].describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]
    return next(o["OutputValue"] for o in outputs if o["OutputKey"] == "WebBucketName")


def objects(aws: dict[str, Any]) -> list[str]:
    return sorted(o["Key"] for o in aws["s3"].list_objects_v2(Bucket=bucket(aws)).get("Contents", []))


def run(aws: dict[str, Any], web_root: Path = REPO / "web") -> web_deploy.Result:
    return publish(aws["cfn"], aws["s3"], aws["cloudfront"], STACK, REGION, web_root)


def test_publishes_every_page_file_with_its_content_type_and_cache_headers(aws: dict[str, Any]) -> None:
    create_stack(aws, OUTPUTS)
    result = run(aws)
    web = REPO / "web"
    expected = {
        "billing/" + p.relative_to(web).as_posix()
        for p in web.rglob("*")
        if p.is_file() and p.name not in ("README.md", "security_headers.json", "jsconfig.json")
    } | {"billing/config.json"}
    assert set(objects(aws)) == expected
    assert "billing/views/overview.js" in expected and "billing/index.html" in expected
    for key, ctype, cache in [
        ("billing/index.html", "text/html; charset=utf-8", "no-cache"),
        ("billing/app.js", "text/javascript; charset=utf-8", "no-cache"),
        ("billing/views/overview.js", "text/javascript; charset=utf-8", "no-cache"),
        ("billing/app.css", "text/css; charset=utf-8", "no-cache"),
        ("billing/config.json", "application/json", "no-store"),
    ]:
        head = aws["s3"].head_object(Bucket=bucket(aws), Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (ctype, cache), key
    assert result.uploaded[-2:] == ["billing/config.json", "billing/index.html"]
    body = aws["s3"].get_object(Bucket=bucket(aws), Key="billing/app.js")["Body"].read()
    assert body == (web / "app.js").read_bytes()


def test_config_json_is_built_from_the_stack_outputs(aws: dict[str, Any]) -> None:
    create_stack(aws, {**OUTPUTS, "ApiUrl": OUTPUTS["ApiUrl"] + "/"})
    run(aws)
    config = json.loads(aws["s3"].get_object(Bucket=bucket(aws), Key="billing/config.json")["Body"].read())
    assert config == {
        "api_url": "https://abc123.execute-api.us-east-1.amazonaws.com",
        "region": REGION,
        "user_pool_id": "us-east-1_AbC123",
        "user_pool_client_id": "client123",
        "stripe_publishable_key": "pk_test_123",
        "host_origins": ["https://app.example.com", "https://admin.example.com"],
    }


def test_the_distribution_is_invalidated_for_the_page(aws: dict[str, Any]) -> None:
    create_stack(aws, OUTPUTS)
    result = run(aws)
    inv = aws["cloudfront"].get_invalidation(DistributionId=aws["distribution_id"], Id=result.invalidation_id)
    assert inv["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/billing", "/billing/*"]


def test_the_csp_hint_names_the_exact_api_origin_until_it_is_set(aws: dict[str, Any]) -> None:
    create_stack(aws, OUTPUTS)
    assert "WebApiOrigin=https://abc123.execute-api.us-east-1.amazonaws.com" in run(aws).message


def test_no_csp_hint_once_the_api_origin_is_set(aws: dict[str, Any]) -> None:
    create_stack(aws, OUTPUTS, api_origin="https://abc123.execute-api.us-east-1.amazonaws.com")
    assert "WebApiOrigin" not in run(aws).message


def test_a_stack_without_hosting_is_left_alone_and_the_step_exits_0(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    create_stack(aws, OUTPUTS, hosted=False)
    assert web_deploy.main(["--stack-name", STACK, "--region", REGION]) == 0
    assert "does not host the page (WebHosting=false)" in capsys.readouterr().out
    assert (
        aws["cloudfront"].list_invalidations(DistributionId=aws["distribution_id"])["InvalidationList"]["Quantity"] == 0
    )


def test_a_missing_output_is_a_clear_error_and_nothing_is_uploaded(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    create_stack(aws, {k: v for k, v in OUTPUTS.items() if k != "UserPoolClientId"})
    assert web_deploy.main(["--stack-name", STACK, "--region", REGION]) == 1
    assert "the stack outputs lack UserPoolClientId; nothing was uploaded" in capsys.readouterr().err
    assert objects(aws) == []


def test_a_blank_publishable_key_is_refused_before_any_upload(aws: dict[str, Any]) -> None:
    create_stack(aws, {**OUTPUTS, "StripePublishableKey": " "})
    with pytest.raises(DeployError, match="set the StripePublishableKey parameter"):
        run(aws)
    assert objects(aws) == []


def test_a_missing_stack_is_a_clear_error(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert web_deploy.main(["--stack-name", "no-such-stack", "--region", REGION]) == 1
    assert "cannot read stack 'no-such-stack'" in capsys.readouterr().err


def test_an_unknown_file_type_stops_the_run_before_the_first_upload(aws: dict[str, Any], tmp_path: Path) -> None:
    create_stack(aws, OUTPUTS)
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "tool.exe").write_bytes(b"MZ")
    with pytest.raises(DeployError, match=r"no content type known for tool\.exe"):
        run(aws, tmp_path)
    assert objects(aws) == []


def test_hidden_files_and_a_local_config_json_are_not_published(aws: dict[str, Any], tmp_path: Path) -> None:
    create_stack(aws, OUTPUTS)
    root = tmp_path / ".checkout" / "web"
    (root / ".cache").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html>")
    (root / ".cache" / "x.js").write_text("")
    (root / "config.json").write_text("{}")
    run(aws, root)
    assert objects(aws) == ["billing/config.json", "billing/index.html"]
    config = json.loads(aws["s3"].get_object(Bucket=bucket(aws), Key="billing/config.json")["Body"].read())
    assert config["api_url"] == OUTPUTS["ApiUrl"]


def test_a_failed_upload_names_the_file_and_says_a_rerun_is_safe(aws: dict[str, Any], tmp_path: Path) -> None:
    create_stack(aws, OUTPUTS)
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "app.js").write_text("export {};")

    class FailingS3:
        def __init__(self) -> None:
            self.calls = 0

        def put_object(self, **kwargs: Any) -> None:
            self.calls += 1
            if kwargs["Key"] == "billing/config.json":
                raise OSError("connection reset")
            aws["s3"].put_object(**kwargs)

    with pytest.raises(DeployError, match=r"uploading billing/config.json .* 1 of 3 files uploaded; re-run"):
        publish(aws["cfn"], FailingS3(), aws["cloudfront"], STACK, REGION, tmp_path)
    assert objects(aws) == ["billing/app.js"]  # index.html (last) still the previous one: never new page, old config


def test_samconfig_gives_stack_name_and_region_per_environment() -> None:
    assert web_deploy.samconfig("prod")["stack_name"] == "billing-self-service-prod"
    assert web_deploy.samconfig("default")["region"] == "us-east-1"


def test_a_branding_file_goes_into_config_json(aws: dict[str, Any], tmp_path: Path) -> None:
    create_stack(aws, OUTPUTS)
    brand = tmp_path / "branding.json"
    brand.write_text(json.dumps({"name": "Acme Cloud", "colors": {"primary": "#f59e0b"}}))
    publish(aws["cfn"], aws["s3"], aws["cloudfront"], STACK, REGION, REPO / "web", branding_path=brand)
    config = json.loads(aws["s3"].get_object(Bucket=bucket(aws), Key="billing/config.json")["Body"].read())
    assert config["branding"] == {"name": "Acme Cloud", "colors": {"primary": "#f59e0b"}}


def test_a_branding_file_that_is_not_a_json_object_stops_the_run(aws: dict[str, Any], tmp_path: Path) -> None:
    create_stack(aws, OUTPUTS)
    brand = tmp_path / "branding.json"
    brand.write_text("[1, 2]")
    with pytest.raises(DeployError, match="is not a JSON object; nothing was uploaded"):
        publish(aws["cfn"], aws["s3"], aws["cloudfront"], STACK, REGION, REPO / "web", branding_path=brand)
    assert objects(aws) == []
