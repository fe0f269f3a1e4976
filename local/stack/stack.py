"""The offline stack in one object: moto (child process), the Stripe emulator (in-process), the local API
gateway, the static web server, seeding, and `.local/stack.json`.

`Stack(config).start()` brings everything up in order and returns the stack.json dict; `stop()` tears it down.
`python -m local.stack.dev` runs it in the foreground; tests and benches use `local.stack.run.running_stack()`,
which runs that command in its own process group and checks that nothing is left behind.

Long because `Stack._start` is the one ordered start-up sequence (ports, moto, the emulator or a test-mode key,
tables and user pool, seeding, functions, gateway, web page, host page), read top to bottom; splitting it would
scatter the order that matters.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import secrets
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local import branding as brand
from local.contrast import AA

from . import aws
from .gateway import Gateway
from .gateway_server import GatewayServer
from .host import HostServer
from .intrinsics import LocalNames, Resolver
from .template import REPO_ROOT, Template
from .web import WebServer

log = logging.getLogger("local.stack")

WEBHOOK_PATH = "/webhooks/stripe"
DEFAULT_PORTS = {"moto": 5005, "stripe": 12111, "api": 3000, "web": 8080, "host": 8081}
PORT_ENV = {
    "moto": "MOTO_PORT",
    "stripe": "STRIPE_EMULATOR_PORT",
    "api": "API_PORT",
    "web": "WEB_PORT",
    "host": "HOST_PORT",
}


class PortInUse(Exception):
    """A port the stack must listen on is taken; the message names it and the variable that moves it."""

    def __init__(self, name: str, port: int) -> None:
        self.name, self.port = name, port
        super().__init__(
            f"port {port} ({name}) is already in use: stop whatever listens on it, or set "
            f"{PORT_ENV[name]}=<free port> (0 = any free port)"
        )


def check_port_free(name: str, port: int) -> None:
    """Raise PortInUse when 127.0.0.1:`port` cannot be bound (0 = any port, always free)."""
    if not port:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As the servers bind (SO_REUSEADDR): a port in TIME_WAIT is free, a listening one is not.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUse(name, port) from None
            raise


@dataclass
class StackConfig:
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))  # 0 = any free port
    state_file: Path = REPO_ROOT / ".local" / "stack.json"
    log_dir: Path = REPO_ROOT / ".local"
    seed: bool = True
    region: str = aws.REGION
    stripe_secret_key: str | None = None  # set: use real Stripe test mode instead of the emulator
    stripe_publishable_key: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> StackConfig:
        env = dict(os.environ if env is None else env)
        ports = {name: int(env.get(var) or DEFAULT_PORTS[name]) for name, var in PORT_ENV.items()}
        return cls(
            ports=ports,
            stripe_secret_key=env.get("STRIPE_SECRET_KEY") or None,
            stripe_publishable_key=env.get("STRIPE_PUBLISHABLE_KEY") or None,
        )


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.template = Template()
        self.moto: aws.MotoServer | None = None
        self.emulator: Any = None
        self.gateway: GatewayServer | None = None
        self.web: WebServer | None = None
        self.host: HostServer | None = None
        self.branding: dict[str, Any] | None = None
        self.info: dict[str, Any] = {}
        self.timings: dict[str, float] = {}

    def _port(self, name: str) -> int:
        port = self.config.ports.get(name, DEFAULT_PORTS[name])
        return port or aws.free_port()

    def start(self) -> dict[str, Any]:
        started = time.monotonic()
        cfg = self.config
        cfg.log_dir.mkdir(parents=True, exist_ok=True)
        for p in ("layers/shared", "."):
            path = str(REPO_ROOT / p)
            if path not in sys.path:
                sys.path.insert(0, path)
        try:
            self._start(started)
        except BaseException:
            self.stop()
            raise
        return self.info

    def _start(self, started: float) -> None:
        cfg = self.config
        for name in PORT_ENV:
            if name != "stripe" or not cfg.stripe_secret_key:
                check_port_free(name, cfg.ports.get(name, DEFAULT_PORTS[name]))
        self.branding = load_branding()
        api_port, web_port = self._port("api"), self._port("web")
        api_url = f"http://127.0.0.1:{api_port}"
        web_origin = f"http://127.0.0.1:{web_port}"

        self.moto = aws.MotoServer(self._port("moto"), cfg.log_dir / "moto.log")
        self.moto.start()
        self.timings["moto_s"] = time.monotonic() - started

        # Stripe: the emulator, unless a real test-mode key is given.
        if cfg.stripe_secret_key:
            if not cfg.stripe_secret_key.startswith(("sk_test_", "rk_test_")):
                raise SystemExit("STRIPE_SECRET_KEY must be a test-mode key (sk_test_... or rk_test_...)")
            stripe_api_base = os.environ.get("STRIPE_API_BASE") or None
            secret_key = cfg.stripe_secret_key
            publishable_key = cfg.stripe_publishable_key or ""
        else:
            from stripe_emulator import EmulatorServer

            self.emulator = EmulatorServer(self._port("stripe")).start()
            stripe_api_base = self.emulator.api_base
            secret_key = self.emulator.secret_key
            publishable_key = self.emulator.publishable_key

        # The webhook endpoint, registered when the template has the route (the emulator delivers to it).
        webhook_secret = "whsec_local_" + secrets.token_hex(16)
        webhook_registered = False
        if self.template.has_route("POST", WEBHOOK_PATH) and self.emulator is not None:
            import stripe

            endpoint = stripe.StripeClient(secret_key, base_addresses={"api": stripe_api_base}).v1.webhook_endpoints
            created = endpoint.create(params={"url": api_url + WEBHOOK_PATH, "enabled_events": ["*"]})
            webhook_secret = str(created.secret)
            webhook_registered = True

        params = self.template.doc.get("Parameters", {})
        secret_name = str(params.get("StripeSecretName", {}).get("Default", "billing/stripe/secret-key"))
        webhook_name = str(params.get("StripeWebhookSecretName", {}).get("Default", "billing/stripe/webhook-secret"))
        res = aws.provision(
            self.moto.endpoint,
            self.template,
            stripe_secret_key=secret_key,
            stripe_webhook_secret=webhook_secret,
            stripe_secret_name=secret_name,
            stripe_webhook_secret_name=webhook_name,
            region=cfg.region,
        )
        self.timings["provision_s"] = time.monotonic() - started

        names = LocalNames(
            region=cfg.region,
            parameters={
                "Stage": "local",
                "CorsAllowedOrigins": web_origin,
                "AppBaseUrl": web_origin,
                "StripePublishableKey": publishable_key,
                "StripeSecretName": secret_name,
                "StripeWebhookSecretName": webhook_name,
                "StripeLivemode": "false",
                "ExistingUserPoolId": "",
                "ExistingUserPoolClientId": "",
                "EventBusName": res.event_bus_name,
                # The local gateway runs the webhook in one process: that one instance gets the whole Stripe
                # budget of the webhook (WebhookStripeRate / 1), not the share of one of ten Lambda instances.
                "WebhookReservedConcurrency": "1",
            },
            resources={
                **{logical: name for logical, name in res.tables.items()},
                "UserPool": res.user_pool_id,
                "UserPoolClient": res.user_pool_client_id,
                **res.queues,
                **{logical: res.event_bus_name for logical in self.template.of_type("AWS::Events::EventBus")},
            },
            attributes={
                **{f"{k}.Arn": f"arn:aws:dynamodb:{cfg.region}:123456789012:table/{v}" for k, v in res.tables.items()},
                "UserPool.Arn": f"arn:aws:cognito-idp:{cfg.region}:123456789012:userpool/{res.user_pool_id}",
                **{f"{k}.Arn": res.event_bus_arn for k in self.template.of_type("AWS::Events::EventBus")},
                **{f"{k}.Arn": arn for k, arn in res.queue_arns.items()},
                **{f"{k}.QueueName": url.rsplit("/", 1)[-1] for k, url in res.queues.items()},
            },
        )
        resolver = Resolver(self.template.doc, names)
        functions = self.template.functions(resolver)
        local_env = {
            "AWS_ENDPOINT_URL": self.moto.endpoint,
            "AWS_DEFAULT_REGION": cfg.region,
            "AWS_REGION": cfg.region,
            **aws.FAKE_CREDENTIALS,
            "AWS_SAM_LOCAL": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_DEV": "false",
            "EVENT_BUS_NAME": res.event_bus_name,
            # Invitations are written here instead of being e-mailed (billing_core.accounts.notifier.LogNotifier).
            "INVITATION_LOG_PATH": str(cfg.log_dir / "invitations.log"),
        }
        if stripe_api_base:
            local_env["STRIPE_API_BASE"] = stripe_api_base
        function_env: dict[str, str] = {}
        for spec in functions.values():
            spec.environment.update({k: v for k, v in local_env.items() if k not in spec.environment})
            for k, v in spec.environment.items():
                if k not in ("POWERTOOLS_SERVICE_NAME",):
                    function_env.setdefault(k, v)
        os.environ.update(function_env)

        apis = {r.api: self.template.api(r.api, resolver) for r in self.template.routes()}
        issuer_override = os.environ.get("LOCAL_JWT_ISSUER") or None
        jwks_url = os.environ.get("LOCAL_JWKS_URL") or f"{self.moto.endpoint}/{res.user_pool_id}/.well-known/jwks.json"
        gw = Gateway(
            self.template.routes(),
            apis,
            functions,
            jwks_url=jwks_url,
            issuer=issuer_override,
            region=cfg.region,
        )
        self.gateway = gw.serve("127.0.0.1", api_port).start()

        self.info = {
            "api_url": api_url,
            "web_url": f"{web_origin}/billing",
            "stripe_api_base": stripe_api_base or "https://api.stripe.com",
            "stripe_secret_key": secret_key,
            "stripe_publishable_key": publishable_key,
            "stripe_webhook_secret": webhook_secret,
            "stripe_webhook_registered": webhook_registered,
            "aws_endpoint_url": self.moto.endpoint,
            "region": cfg.region,
            "user_pool_id": res.user_pool_id,
            "user_pool_client_id": res.user_pool_client_id,
            "jwt_issuer": next(
                (a.issuer for api in apis.values() for a in api.authorizers.values()), issuer_override or ""
            ),
            "jwks_url": jwks_url,
            "table_name": res.table_name,
            "idempotency_table_name": res.idempotency_table_name,
            "event_bus_name": res.event_bus_name,
            "routes": [r.route_key for r in self.template.routes()],
            "demo_users": [],
            "function_env": function_env,
            "pid": os.getpid(),
            "moto_pid": self.moto.pid,
        }
        # The example host app first: its origin goes into the page's host_origins.
        self.host = HostServer("127.0.0.1", self._port("host"), self._host_config).start()
        self.info["host_url"] = self.host.url
        self.web = WebServer(REPO_ROOT / "web", "127.0.0.1", web_port, self._public_config).start()
        self.timings["servers_s"] = time.monotonic() - started

        if cfg.seed:
            from .seed import seed

            t0 = time.monotonic()
            self.info["demo_users"] = seed(
                stripe_api_base=stripe_api_base,
                stripe_secret_key=secret_key,
                aws_endpoint=self.moto.endpoint,
                region=cfg.region,
                table_name=res.table_name,
                user_pool_id=res.user_pool_id,
                web_url=self.info["web_url"],
            )
            self.timings["seed_s"] = time.monotonic() - t0
        self.timings["total_s"] = time.monotonic() - started
        self.info["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
        cfg.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cfg.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.info, indent=2) + "\n", encoding="utf-8")
        tmp.replace(cfg.state_file)

    def _public_config(self) -> dict[str, Any]:
        """What the web page needs (no secret keys): served at /billing/config.json."""
        keys = ("api_url", "region", "user_pool_id", "user_pool_client_id", "stripe_publishable_key")
        out = {k: self.info.get(k) for k in keys}
        out["cognito_endpoint"] = self.info.get("aws_endpoint_url")
        out["stripe_js_base"] = self.info.get("stripe_api_base")
        out["demo_users"] = self.info.get("demo_users", [])
        out["host_origins"] = [self.host.origin] if self.host else []
        if self.branding:
            out["branding"] = self.branding
        return out

    def _host_config(self) -> dict[str, Any]:
        """What the example host app needs: where the billing page is, how to sign in, the demo user."""
        users = self.info.get("demo_users") or []
        demo = next((u for u in users if u.get("scenario") == "active-pro"), users[0] if users else None)
        return {
            "billing_url": self.info.get("web_url"),
            "cognito_endpoint": self.info.get("aws_endpoint_url"),
            "user_pool_client_id": self.info.get("user_pool_client_id"),
            "demo_user": {"username": demo["username"], "password": demo["password"]} if demo else None,
        }

    def stop(self) -> None:
        parts = (("web", self.web), ("host", self.host), ("gateway", self.gateway), ("emulator", self.emulator))
        for name, part in parts:
            if part is None:
                continue
            try:
                part.stop()
            except Exception:  # noqa: BLE001 - keep tearing down the rest
                log.exception("stopping %s failed", name)
        self.web = self.host = self.gateway = self.emulator = None
        if self.moto is not None:
            self.moto.stop()
            self.moto = None
        if self.info and self.config.state_file.exists():
            try:
                current = json.loads(self.config.state_file.read_text(encoding="utf-8"))
                if current.get("pid") == os.getpid():
                    self.config.state_file.unlink()
            except (OSError, ValueError):
                pass


def load_branding(env: dict[str, str] | None = None) -> dict[str, Any] | None:
    """The optional branding file ($BRANDING_PATH, else branding.json beside the catalog), validated: invalid
    values are left out and logged, like the page does; a pair below WCAG AA is logged. None without a file.
    An unreadable file or one that is not a JSON object stops the stack (`brand.BrandingError`, one line)."""
    path = brand.branding_path(env)
    explicit = bool((os.environ if env is None else env).get("BRANDING_PATH"))
    if not explicit and not path.exists():
        return None
    clean, problems, failing = brand.check(brand.load(path))
    for problem in problems:
        log.warning("branding %s: %s (ignored)", path, problem)
    for pair, ratio in failing:
        log.warning("branding %s: contrast of %s is %.2f:1, below WCAG AA %s:1", path, pair, ratio, AA)
    return clean
