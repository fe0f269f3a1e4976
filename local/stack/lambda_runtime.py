"""The functions of the template run as Lambda runs them: a handler imported once, a pool of instances.

Each function runs on its own small pool of "instances" (threads with their own event loop), one request per
instance at a time, like Lambda execution environments; a call past the template's Timeout raises
``TimeoutError``. Function-level environment variables are applied while the function's module loads.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from typing import Any

from .template import REPO_ROOT, FunctionSpec

INSTANCES_PER_FUNCTION = 8


class LambdaContext:
    """The parts of the Lambda context object handlers use."""

    def __init__(self, spec: FunctionSpec, region: str, account_id: str) -> None:
        self.function_name = spec.logical_id
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{spec.logical_id}"
        self.memory_limit_in_mb = spec.memory_size
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.logical_id}"
        self.log_stream_name = datetime.now(UTC).strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + spec.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


_import_lock = threading.Lock()


def _new_loop() -> None:
    asyncio.set_event_loop(asyncio.new_event_loop())


class LocalFunction:
    """One function of the template: its handler (imported once, lazily) and its instances."""

    def __init__(self, spec: FunctionSpec, region: str, account_id: str) -> None:
        self.spec = spec
        self.region = region
        self.account_id = account_id
        self._handler: Callable[[dict[str, Any], Any], Any] | None = None
        self._pool = ThreadPoolExecutor(INSTANCES_PER_FUNCTION, f"lambda-{spec.area}", initializer=_new_loop)

    def handler(self) -> Callable[[dict[str, Any], Any], Any]:
        with _import_lock:
            if self._handler is None:
                for path in (REPO_ROOT / "layers" / "shared", REPO_ROOT / self.spec.code_uri):
                    if str(path) not in sys.path:
                        sys.path.insert(0, str(path))
                module_name, _, attr = self.spec.handler.rpartition(".")
                saved = {k: os.environ.get(k) for k in self.spec.environment}
                os.environ.update(self.spec.environment)
                os.environ["AWS_LAMBDA_FUNCTION_NAME"] = self.spec.logical_id
                try:
                    self._handler = getattr(importlib.import_module(module_name), attr)
                finally:
                    os.environ.pop("AWS_LAMBDA_FUNCTION_NAME", None)
                    for k, v in saved.items():
                        if v is None:
                            os.environ.pop(k, None)
                        else:
                            os.environ[k] = v
            return self._handler

    def invoke(self, event: dict[str, Any]) -> Any:
        """Run the handler on an instance; raises TimeoutError past the template's Timeout."""
        handler = self.handler()
        context = LambdaContext(self.spec, self.region, self.account_id)
        future = self._pool.submit(handler, event, context)
        try:
            return future.result(timeout=self.spec.timeout)
        except FutureTimeout:
            raise TimeoutError(f"{self.spec.logical_id} timed out after {self.spec.timeout} s") from None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
