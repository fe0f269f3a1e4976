"""`make dev` = `python -m local.stack.dev`: the offline stack in the foreground.

Starts moto server (DynamoDB, Cognito, Secrets Manager, EventBridge), the Stripe emulator, the local API gateway
(routes and JWT authorizer from template.yaml), the static server for `web/` and an example host app that embeds
the page (local/stack/host.py), seeds the catalog and the demo users, writes `.local/stack.json`, prints one
ready line, and runs until Ctrl-C or SIGTERM, then stops every part (moto is a child process; it also dies with
this process). Ports: MOTO_PORT (5005), STRIPE_EMULATOR_PORT (12111), API_PORT (3000), WEB_PORT (8080),
HOST_PORT (8081), or the flags below (0 = any free port). STRIPE_SECRET_KEY=sk_test_... uses Stripe's test
mode instead of the emulator. BRANDING_PATH=<file> brands the page (default: branding.json beside the catalog,
when there is one; local/branding.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path

from local.branding import BrandingError

from .stack import PORT_ENV, PortInUse, Stack, StackConfig


def main(argv: list[str] | None = None) -> int:
    config = StackConfig.from_env()
    ap = argparse.ArgumentParser(prog="python -m local.stack.dev", description=__doc__.splitlines()[0])
    for name in PORT_ENV:
        ap.add_argument(f"--{name}-port", type=int, default=config.ports[name])
    ap.add_argument("--state-file", type=Path, default=config.state_file)
    ap.add_argument("--log-dir", type=Path, default=None)
    ap.add_argument("--no-seed", action="store_true")
    ap.add_argument("--json", action="store_true", help="print the ready line as JSON (for tools)")
    ap.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = ap.parse_args(argv)
    config.ports = {n: getattr(args, f"{n}_port") for n in PORT_ENV}
    config.state_file = args.state_file
    config.log_dir = args.log_dir or args.state_file.parent
    config.seed = not args.no_seed
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(asctime)s %(name)s %(message)s"
    )
    if args.verbose:
        logging.getLogger("local").setLevel(logging.INFO)

    # The functions log to stdout as they do on Lambda; keep the console for the stack's own lines.
    console = sys.stdout
    functions_log = config.log_dir / "functions.log"
    if not args.verbose:
        config.log_dir.mkdir(parents=True, exist_ok=True)
        sys.stdout = open(functions_log, "a", buffering=1, encoding="utf-8")  # noqa: SIM115

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    stack = Stack(config)
    try:
        info = stack.start()
    except (PortInUse, BrandingError) as exc:  # a user error, not a crash: one line, no traceback (start() stopped all)
        print(f"offline stack not started: {exc}", file=sys.stderr, flush=True)
        return 2
    except Exception as exc:
        print(f"offline stack failed to start: {exc}", file=sys.stderr, flush=True)
        stack.stop()
        raise
    if stop.is_set():  # a signal arrived while starting
        stack.stop()
        return 0
    if args.json:
        print(json.dumps({"ready": True, "state_file": str(config.state_file)}), file=console, flush=True)
    else:
        logins = ", ".join(f"{u['scenario']}={u['username']}" for u in info["demo_users"])
        password = info["demo_users"][0]["password"] if info["demo_users"] else ""
        t = info["timings"]
        print(
            f"ready in {t['total_s']:.1f} s (seed {t.get('seed_s', 0):.1f} s): web {info['web_url']} | "
            f"host app {info['host_url']} | api {info['api_url']} (docs {info['api_url']}/docs) | "
            f"stripe {info['stripe_api_base']} | "
            f"aws {info['aws_endpoint_url']} | "
            f"demo logins (password {password}): {logins} | {config.state_file} | "
            f"function logs: {'stdout' if args.verbose else functions_log} | Ctrl-C stops",
            file=console,
            flush=True,
        )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        stack.stop()
        print("offline stack stopped", file=console, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
