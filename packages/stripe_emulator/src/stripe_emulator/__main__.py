"""`python -m stripe_emulator --port 12111` runs the emulator in the foreground on loopback."""

from __future__ import annotations

import argparse
import json
import signal
import sys

from .server import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, EmulatorServer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m stripe_emulator", description=__doc__)
    ap.add_argument("--port", type=int, default=12111)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--secret-key", default=DEFAULT_SECRET_KEY)
    ap.add_argument("--publishable-key", default=DEFAULT_PUBLISHABLE_KEY)
    ap.add_argument("--latency-ms", type=float, default=0.0, help="added to every API request")
    ap.add_argument("--jitter-ms", type=float, default=0.0, help="random extra latency, uniform 0..N ms")
    ap.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="MODE=P",
        help="fault rate, e.g. 500=0.05, 429_retry=0.1, reset=0.01, timeout=0.01, 403=1",
    )
    ap.add_argument(
        "--rate-limits",
        choices=("off", "live", "sandbox"),
        default=None,
        help="enforce Stripe's documented rate limits (default: $STRIPE_EMULATOR_RATE_LIMITS, else off)",
    )
    args = ap.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print("refusing to listen beyond loopback", file=sys.stderr)
        return 2
    server = EmulatorServer(args.port, host=args.host, secret_key=args.secret_key, publishable_key=args.publishable_key)
    server.faults.set_latency(args.latency_ms, args.jitter_ms)
    if args.rate_limits:
        server.rate_limits.default_mode = args.rate_limits
        server.rate_limits.reset()
    for spec in args.fault:
        mode, _, p = spec.partition("=")
        server.faults.set_rate(mode, float(p or 1))
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    print(json.dumps({"ready": True, "api_base": server.api_base}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
