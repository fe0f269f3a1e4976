"""`python -m local.stack.moto_server -H 127.0.0.1 -p <port>`: moto's server, one request at a time.

moto's in-memory DynamoDB is not safe under concurrent requests: a ``TransactWriteItems`` whose condition fails
restores a deep copy of every table it touched, taken when it started, which silently drops whatever another
request wrote in between (seen in the offline stack: the Stripe webhook linked a new customer while the
subscribe request's own mapping transaction failed its condition; the rollback erased the webhook's mapping too,
and the request answered 409 ``customer_mapping_conflict``). Real DynamoDB transactions are atomic, so the offline
stack serialises moto instead: each request runs, and its response body is read, under one lock. The same
command line and behaviour as ``python -m moto.server`` otherwise (threaded server, moto's request handler),
plus Cognito's ``RevokeToken``, which moto lacks (``local.stack.cognito_revoke``).
"""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

from local.stack.cognito_revoke import install as install_revoke_token


class OneAtATime:
    """WSGI middleware: the wrapped app serves one request at a time (body included)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            result = self.app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if callable(close):
                    close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.stack.moto_server")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))
    install_revoke_token()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, OneAtATime(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
