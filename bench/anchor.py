"""The naive anchor every cold start is compared with, and the import tree of a process.

The anchor is what a team would write first: one FastAPI + Mangum app that creates a boto3 DynamoDB client and
a `StripeClient` at import, and on `GET /billing` reads the caller's customer mapping and the Stripe customer.
It runs with the same packages, interpreter flags and offline stack as the functions, so a function's ratio to
it is comparable across machines and loads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ANCHOR_SOURCE = """
import os

import boto3
import stripe
from fastapi import FastAPI, Request
from mangum import Mangum

app = FastAPI()
dynamodb = boto3.client("dynamodb")
stripe_client = stripe.StripeClient(
    os.environ["STRIPE_SECRET_KEY"], base_addresses={"api": os.environ["STRIPE_API_BASE"]}
)


@app.get("/billing")
def read_billing(request: Request) -> dict:
    sub = request.scope["aws.event"]["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
    item = dynamodb.get_item(
        TableName=os.environ["TABLE_NAME"], Key={"pk": {"S": f"ACCOUNT#p_{sub}"}, "sk": {"S": "CUSTOMER"}}
    )["Item"]
    customer = stripe_client.v1.customers.retrieve(item["customer_id"]["S"])
    return {"customer": customer.id, "email": customer.email}


handler = Mangum(app, lifespan="off")
"""

#: `-X importtime` lines: "import time:  self [us] |  cumulative | imported package" (indent = nesting depth).
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def write_anchor(into: Path) -> dict[str, Any]:
    """Write the anchor app into `into` and describe it like a template function (route: GET /billing)."""
    (into / "anchor_app.py").write_text(ANCHOR_SOURCE, encoding="utf-8")
    return {"function": "NaiveAnchor", "handler": "anchor_app.handler", "memory": 512, "service": "anchor"}


def heaviest_imports(stderr: str, top: int = 10) -> list[tuple[str, float]]:
    """The `top` heaviest top-level imports (cumulative ms, nesting depth 0) from `-X importtime` output."""
    found: dict[str, float] = {}
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match is None or len(match.group(3)) != 1:
            continue
        name = match.group(4)
        found[name] = found.get(name, 0.0) + int(match.group(2)) / 1000
    return sorted(found.items(), key=lambda kv: kv[1], reverse=True)[:top]
