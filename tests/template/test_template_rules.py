"""template.yaml against the product's rules: routes match the FastAPI apps both ways, F7 (CORS and
authorizers), F8 (timeouts), least-privilege policies, log groups, runtime and architecture.

Each rule is a function in cfn_template returning the problems it finds; the real template must have none,
and a template broken on purpose must be caught (so each check can fail).
"""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest
from billing_core import stripe_client
from cfn_template import (
    ROOT,
    app_routes,
    area_of,
    areas_with_app,
    authorizer_problems,
    cors_origin_parameter,
    cors_problems,
    functions,
    load_template,
    log_group_problems,
    policy_problems,
    routes,
    runtime_problems,
    stripe_worst_case_s,
    timeout_problems,
)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture
def broken(template: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(template)


def samconfig_cors_origins() -> list[list[str]]:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    found: list[list[str]] = []
    for environment in config.values():
        if not isinstance(environment, dict):
            continue
        overrides = environment.get("deploy", {}).get("parameters", {}).get("parameter_overrides", [])
        for override in overrides if isinstance(overrides, list) else str(overrides).split():
            name, _, value = str(override).partition("=")
            if name == "CorsAllowedOrigins":
                found.append([origin.strip() for origin in value.strip('"').split(",")])
    return found


# ------------------------------------------------------------------------------------------ routes


def test_template_routes_equal_the_apps_routes_both_ways(template: dict[str, Any]) -> None:
    declared = routes(template)
    assert declared, "template.yaml declares no HttpApi route"
    for area in sorted({route.area for route in declared}):
        in_template = {route.key for route in declared if route.area == area}
        in_app = app_routes(area)
        assert in_template - in_app == set(), f"{area}: routes in template.yaml the app does not serve"
        assert in_app - in_template == set(), f"{area}: routes the app serves that template.yaml does not route"


def test_each_route_is_declared_once(template: dict[str, Any]) -> None:
    keys = [route.key for route in routes(template)]
    assert len(keys) == len(set(keys))


def test_every_function_folder_with_an_app_is_in_the_template(template: dict[str, Any]) -> None:
    in_template = {area_of(props) for props in functions(template).values()}
    assert areas_with_app(), "no functions/<area>/<area>/app.py found"
    assert set(areas_with_app()) <= in_template


def test_template_functions_all_have_code(template: dict[str, Any]) -> None:
    for props in functions(template).values():
        area = area_of(props)
        assert (ROOT / "functions" / area / area / "app.py").is_file(), f"{area} has no app.py"


# ------------------------------------------------------------------------------------------ F7


def test_f7_no_cors_wildcard_with_credentials_and_no_cors_on_the_webhook(template: dict[str, Any]) -> None:
    assert cors_problems(template, samconfig_cors_origins()) == []


def test_f7_cors_origins_come_from_a_parameter_without_wildcard(template: dict[str, Any]) -> None:
    cors = template["Resources"]["BillingHttpApi"]["Properties"]["CorsConfiguration"]
    parameter = template["Parameters"][cors_origin_parameter(cors["AllowOrigins"])["Ref"]]
    assert parameter["Type"] == "CommaDelimitedList"
    for origins in [parameter["Default"].split(","), *samconfig_cors_origins()]:
        assert origins and all(o.startswith(("https://", "http://localhost")) and "*" not in o for o in origins)


def test_f7_catches_wildcard_origin_with_credentials(broken: dict[str, Any]) -> None:
    cors = broken["Resources"]["BillingHttpApi"]["Properties"]["CorsConfiguration"]
    cors["AllowCredentials"] = True
    assert cors_problems(broken, [["*"]]) != []
    cors["AllowOrigins"] = ["*"]
    assert cors_problems(broken) != []


def test_f7_catches_a_webhook_on_the_cors_api_or_behind_the_jwt_authorizer(broken: dict[str, Any]) -> None:
    function = copy.deepcopy(broken["Resources"]["BillingReadFunction"])
    function["Properties"]["CodeUri"] = "functions/webhook/"
    function["Properties"]["Handler"] = "webhook.app.handler"
    function["Properties"]["Events"] = {
        "StripeEvents": {
            "Type": "HttpApi",
            "Properties": {"ApiId": {"Ref": "BillingHttpApi"}, "Method": "POST", "Path": "/webhooks/stripe"},
        }
    }
    broken["Resources"]["WebhookFunction"] = function
    assert any("webhook route on an API with CORS" in p for p in cors_problems(broken))
    assert any("Authorizer: NONE" in p for p in authorizer_problems(broken))


def test_f7_every_route_but_the_webhook_uses_the_cognito_jwt_authorizer(template: dict[str, Any]) -> None:
    assert authorizer_problems(template) == []
    jwt = template["Resources"]["BillingHttpApi"]["Properties"]["Auth"]["Authorizers"]["CognitoJwt"]
    issuers = jwt["JwtConfiguration"]["issuer"]["Fn::If"][1:]
    assert [i["Fn::Sub"] for i in issuers] == [
        "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}",
        "https://cognito-idp.${AWS::Region}.amazonaws.com/${ExistingUserPoolId}",
    ]
    assert jwt["JwtConfiguration"]["audience"] == [
        {"Fn::If": ["CreateUserPool", {"Ref": "UserPoolClient"}, {"Ref": "ExistingUserPoolClientId"}]}
    ]


def test_f7_catches_a_route_without_authorizer(broken: dict[str, Any]) -> None:
    broken["Resources"]["BillingReadFunction"]["Properties"]["Events"]["GetBilling"]["Properties"]["Auth"] = {
        "Authorizer": "NONE"
    }
    assert authorizer_problems(broken) == ["GET /billing: no authorizer"]


# ------------------------------------------------------------------------------------------ F8


def stripe_worst_case() -> float:
    return stripe_worst_case_s(
        read_timeout=stripe_client.STRIPE_READ_TIMEOUT_S,
        connect_timeout=stripe_client.STRIPE_CONNECT_TIMEOUT_S,
        max_retries=stripe_client.STRIPE_MAX_RETRIES,
    )


def test_f8_function_timeouts_fit_between_stripe_worst_case_and_api_gateway(template: dict[str, Any]) -> None:
    assert stripe_client.STRIPE_MAX_RETRIES >= 1, "the Stripe client must retry transient failures"
    assert timeout_problems(template, stripe_worst_case()) == []


def test_f8_catches_a_timeout_at_30_s_or_below_the_stripe_worst_case(broken: dict[str, Any]) -> None:
    broken["Globals"]["Function"]["Timeout"] = 30
    inheriting = [
        name
        for name, props in functions(broken).items()
        if "Timeout" not in props and any(e.get("Type") == "HttpApi" for e in (props.get("Events") or {}).values())
    ]
    assert inheriting, "at least one API function takes its timeout from Globals"
    # the Globals entry itself, then every function that inherits it
    assert len(timeout_problems(broken, stripe_worst_case())) == 1 + len(inheriting)
    broken["Globals"]["Function"]["Timeout"] = 20
    assert timeout_problems(broken, 20.0) != []


def test_f8_worst_case_counts_every_attempt_and_the_capped_backoff() -> None:
    # 4 attempts of (1 + 2) s, backoff 0.5 + 1 + 2 s; 6 retries cap the backoff at 5 s.
    assert stripe_worst_case_s(read_timeout=2, connect_timeout=1, max_retries=3) == 12 + 3.5
    assert stripe_worst_case_s(read_timeout=0, connect_timeout=0, max_retries=6) == 0.5 + 1 + 2 + 4 + 5 + 5


# ------------------------------------------------------------------------------------------ functions


def test_functions_have_least_privilege_policies(template: dict[str, Any]) -> None:
    assert policy_problems(template) == []


def test_policy_check_catches_wildcards_and_foreign_secrets(broken: dict[str, Any]) -> None:
    statements = broken["Resources"]["BillingReadFunction"]["Properties"]["Policies"][0]["Statement"]
    statements[0]["Resource"] = "*"
    statements[2]["Resource"] = {"Fn::Sub": "arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*"}
    statements.append({"Effect": "Allow", "Action": "dynamodb:*", "Resource": {"Fn::GetAtt": ["BillingTable", "Arn"]}})
    found = policy_problems(broken)
    assert len(found) == 4, found


def test_billing_read_reads_only_what_it_needs(template: dict[str, Any]) -> None:
    """Reads, plus the Put and Delete of the one-time move of a user's older items to their personal account (the
    first request of any function may be the one that moves them: billing_core.accounts.migration)."""
    statements = template["Resources"]["BillingReadFunction"]["Properties"]["Policies"][0]["Statement"]
    granted = {action: stmt["Resource"] for stmt in statements for action in stmt["Action"]}
    assert granted["dynamodb:GetItem"] == granted["dynamodb:Query"] == {"Fn::GetAtt": ["BillingTable", "Arn"]}
    assert set(granted) == {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "cognito-idp:ListUsers",
        "secretsmanager:GetSecretValue",
    }
    assert "StripeSecretName" in granted["secretsmanager:GetSecretValue"]["Fn::Sub"]


def test_functions_have_their_own_log_group_with_retention(template: dict[str, Any]) -> None:
    assert log_group_problems(template) == []


def test_log_group_check_catches_a_missing_retention(broken: dict[str, Any]) -> None:
    del broken["Resources"]["BillingReadLogGroup"]["Properties"]["RetentionInDays"]
    assert log_group_problems(broken) == ["BillingReadFunction: log group BillingReadLogGroup has no retention"]


def test_functions_and_layer_target_python313_arm64(template: dict[str, Any]) -> None:
    assert runtime_problems(template) == []


def test_runtime_check_catches_a_layer_built_for_x86(broken: dict[str, Any]) -> None:
    del broken["Resources"]["SharedLayer"]["Metadata"]["BuildArchitecture"]
    broken["Resources"]["BillingReadFunction"]["Properties"]["Architectures"] = ["x86_64"]
    assert len(runtime_problems(broken)) == 2


def test_data_tables_are_on_demand_with_pitr_ttl_and_deletion_protection(template: dict[str, Any]) -> None:
    table = template["Resources"]["BillingTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["DeletionProtectionEnabled"] == {"Fn::If": ["ProtectTable", True, False]}
    idempotency = template["Resources"]["IdempotencyTable"]["Properties"]
    assert [k["AttributeName"] for k in idempotency["KeySchema"]] == ["id"]
    assert idempotency["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_globals_set_every_setting_the_core_reads(template: dict[str, Any]) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    for name in [
        "STAGE",
        "TABLE_NAME",
        "IDEMPOTENCY_TABLE_NAME",
        "USER_POOL_ID",
        "STRIPE_SECRET_NAME",
        "STRIPE_WEBHOOK_SECRET_NAME",
        "STRIPE_PUBLISHABLE_KEY",
        "STRIPE_LIVEMODE",
        "APP_BASE_URL",
        "RETURN_PATH_PREFIXES",
        "APP_RETURN_URLS",
        "GRACE_PERIOD_DAYS",
        "LOG_LEVEL",
        "POWERTOOLS_METRICS_NAMESPACE",
    ]:
        assert name in variables, name
    for props in functions(template).values():
        assert props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == area_of(props)


def test_every_output_is_described(template: dict[str, Any]) -> None:
    assert template["Outputs"]
    assert all(output.get("Description") for output in template["Outputs"].values())
