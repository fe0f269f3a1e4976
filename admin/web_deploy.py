"""`make web-deploy` (run by `make deploy` right after `sam deploy`): publish the /billing page of a stack that
hosts it (template parameter WebHosting=true).

1. Reads the stack's outputs. Without `WebBucketName` the stack does not host the page: says so, exits 0.
2. Builds `config.json` from the outputs, in the shape `web/README.md` documents (api_url, region, user_pool_id,
   user_pool_client_id, stripe_publishable_key, host_origins; `branding` from `--branding`/$BRANDING_PATH).
   A missing or blank output is a clear error before anything is uploaded (exit 1).
3. Uploads `web/` under `billing/` (not the README, the type-check settings `jsconfig.json`, nor
   `security_headers.json`, which the template carries), each file with its content type and
   `Cache-Control: no-cache` (file names carry no hash, so browsers revalidate; config.json `no-store`). A file
   type it does not know stops the run before the first upload.
   Modules first, then config.json, index.html last, so a visitor never gets a new page with old modules.
4. Invalidates `/billing` and `/billing/*` on the distribution.

Re-running is safe (same keys, same content). Stack name and region come from samconfig.toml
(`--config-env`, default `default`) unless `--stack-name`/`--region` are given.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from admin.web_headers import origin

REPO = Path(__file__).resolve().parents[1]
WEB_ROOT = REPO / "web"
PREFIX = "billing/"
NOT_PUBLISHED = {"README.md", "security_headers.json", "jsconfig.json"}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}
REQUIRED_OUTPUTS = ("WebDistributionId", "WebUrl", "ApiUrl", "UserPoolId", "UserPoolClientId", "StripePublishableKey")


class DeployError(Exception):
    """A problem the operator must fix; nothing (more) was uploaded."""


@dataclass
class Upload:
    key: str
    body: bytes
    content_type: str
    cache_control: str


@dataclass
class Result:
    hosted: bool
    message: str
    uploaded: list[str] = field(default_factory=list)
    invalidation_id: str | None = None


def stack_outputs(cfn: Any, stack_name: str) -> tuple[dict[str, str], dict[str, str]]:
    """(outputs, parameters) of the stack, or DeployError when it cannot be read."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        stacks = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    except (ClientError, BotoCoreError) as exc:
        raise DeployError(f"cannot read stack {stack_name!r}: {exc}") from exc
    stack = stacks[0]
    outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in stack.get("Outputs", [])}
    params = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    return outputs, params


def page_config(outputs: dict[str, str], region: str) -> dict[str, Any]:
    missing = [name for name in REQUIRED_OUTPUTS if not outputs.get(name, "").strip()]
    if missing:
        hint = " (set the StripePublishableKey parameter)" if "StripePublishableKey" in missing else ""
        raise DeployError(f"the stack outputs lack {', '.join(missing)}{hint}; nothing was uploaded")
    key = outputs["StripePublishableKey"].strip()
    if not key.startswith("pk_"):
        raise DeployError("StripePublishableKey is not a publishable key (pk_...); nothing was uploaded")
    hosts = [o.strip() for o in outputs.get("WebHostOrigins", "").split(",") if o.strip()]
    return {
        "api_url": outputs["ApiUrl"].rstrip("/"),
        "region": region,
        "user_pool_id": outputs["UserPoolId"],
        "user_pool_client_id": outputs["UserPoolClientId"],
        "stripe_publishable_key": key,
        "host_origins": hosts,
    }


def page_files(web_root: Path) -> list[Upload]:
    """The page's files as uploads, in upload order (index.html last); DeployError for an unknown file type."""
    uploads: list[Upload] = []
    unknown: list[str] = []
    for path in sorted(p for p in web_root.rglob("*") if p.is_file()):
        rel = path.relative_to(web_root).as_posix()
        hidden = any(part.startswith(".") for part in path.relative_to(web_root).parts)
        if rel in NOT_PUBLISHED or rel == "config.json" or hidden:
            continue
        ctype = CONTENT_TYPES.get(path.suffix.lower())
        if ctype is None:
            unknown.append(rel)
            continue
        uploads.append(Upload(PREFIX + rel, path.read_bytes(), ctype, "no-cache"))
    if unknown:
        raise DeployError(f"no content type known for {', '.join(unknown)} (admin/web_deploy.py CONTENT_TYPES)")
    if not any(u.key == PREFIX + "index.html" for u in uploads):
        raise DeployError(f"{web_root}/index.html is missing")
    uploads.sort(key=lambda u: u.key == PREFIX + "index.html")
    return uploads


def load_branding(path: Path | None) -> dict[str, Any] | None:
    """The optional `branding` object of config.json (web/README.md, Branding); the page itself ignores invalid
    values. An unreadable file or one that is not a JSON object is a DeployError."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DeployError(f"branding file {path}: {exc}; nothing was uploaded") from exc
    if not isinstance(data, dict):
        raise DeployError(f"branding file {path} is not a JSON object; nothing was uploaded")
    return data


def publish(
    cfn: Any,
    s3: Any,
    cloudfront: Any,
    stack_name: str,
    region: str,
    web_root: Path = WEB_ROOT,
    branding_path: Path | None = None,
) -> Result:
    outputs, params = stack_outputs(cfn, stack_name)
    bucket = outputs.get("WebBucketName", "").strip()
    if not bucket:
        return Result(False, f"stack {stack_name} does not host the page (WebHosting=false): nothing to upload")
    config = page_config(outputs, region)
    branding = load_branding(branding_path)
    if branding is not None:
        config["branding"] = branding
    files = page_files(web_root)
    body = (json.dumps(config, indent=2) + "\n").encode()
    config_upload = Upload(PREFIX + "config.json", body, "application/json", "no-store")
    ordered = [*files[:-1], config_upload, files[-1]]
    result = Result(True, "")
    for item in ordered:
        try:
            s3.put_object(
                Bucket=bucket,
                Key=item.key,
                Body=item.body,
                ContentType=item.content_type,
                CacheControl=item.cache_control,
            )
        except Exception as exc:  # noqa: BLE001 - any failure: say which file and that a re-run is safe
            done = f"{len(result.uploaded)} of {len(ordered)} files uploaded"
            raise DeployError(
                f"uploading {item.key} to {bucket} failed ({exc}); {done}; re-run make web-deploy"
            ) from exc
        result.uploaded.append(item.key)
    try:
        inv = cloudfront.create_invalidation(
            DistributionId=outputs["WebDistributionId"],
            InvalidationBatch={
                "Paths": {"Quantity": 2, "Items": ["/billing", "/billing/*"]},
                "CallerReference": f"web-deploy-{time.time_ns()}",
            },
        )
    except Exception as exc:  # noqa: BLE001
        raise DeployError(
            f"the page was uploaded but invalidating {outputs['WebDistributionId']} failed ({exc}); "
            "re-run make web-deploy (or wait for the cached copies to expire)"
        ) from exc
    result.invalidation_id = inv["Invalidation"]["Id"]
    lines = [f"published {len(result.uploaded)} files to s3://{bucket}/{PREFIX} ({outputs['WebUrl']})"]
    exact = origin(config["api_url"])
    if params.get("WebApiOrigin", "") != exact:
        lines.append(
            f"the page's CSP allows any API Gateway endpoint of {region}: deploy with WebApiOrigin={exact} "
            "to name only this API"
        )
    result.message = "\n".join(lines)
    return result


def samconfig(env: str, path: Path = REPO / "samconfig.toml") -> dict[str, str]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    section = data.get(env, {})
    out: dict[str, str] = {}
    for command in ("global", "deploy"):
        out.update({k: str(v) for k, v in section.get(command, {}).get("parameters", {}).items()})
    return out


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m admin.web_deploy", description=__doc__.split("\n")[0])
    parser.add_argument("--config-env", default="default", help="samconfig.toml environment (default: default)")
    parser.add_argument("--stack-name")
    parser.add_argument("--region")
    parser.add_argument("--branding", type=Path, help="JSON file for config.json's branding (default $BRANDING_PATH)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    conf = samconfig(args.config_env)
    stack_name = args.stack_name or conf.get("stack_name")
    region = args.region or conf.get("region")
    if not stack_name or not region:
        print(f"web-deploy: no stack_name/region for {args.config_env!r} in samconfig.toml", file=sys.stderr)
        return 1
    branding = args.branding or (Path(os.environ["BRANDING_PATH"]) if os.environ.get("BRANDING_PATH") else None)
    import boto3

    session = boto3.session.Session(region_name=region)
    try:
        result = publish(
            session.client("cloudformation"),
            session.client("s3"),
            session.client("cloudfront"),
            stack_name,
            region,
            branding_path=branding,
        )
    except DeployError as exc:
        print(f"web-deploy: {exc}", file=sys.stderr)
        return 1
    print(f"web-deploy: {result.message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
