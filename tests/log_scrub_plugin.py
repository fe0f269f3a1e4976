"""F6 over the whole suite: everything our code logs while the tests run is scanned for secrets and personal data.

The plugin tees the service logger (what CloudWatch would receive, after the scrubbing formatter) and warnings
or worse from every other logger into a per-process file, and fails the run at the end when any line holds a
Stripe key, a webhook secret, a bearer token or JWT, a client secret, an e-mail address or a session URL.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest

FORBIDDEN = {
    "stripe secret or restricted key": re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{6,}"),
    "webhook secret": re.compile(r"\bwhsec_[A-Za-z0-9]{6,}"),
    "bearer token": re.compile(r"Bearer\s+(?!\[REDACTED\])[A-Za-z0-9\-_.]{8,}"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\."),
    "client secret": re.compile(r"_secret_[A-Za-z0-9]{6,}"),
    "e-mail address": re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"),
    "session URL": re.compile(r"https?://[^\s\"']*/(?:portal/session|checkout|p/session)/[^\s\"']+"),
}

_LOG_DIR = Path(".pytest-logs")


def _log_path(config: pytest.Config) -> Path:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return _LOG_DIR / f"{worker}.log"


def pytest_configure(config: pytest.Config) -> None:
    _LOG_DIR.mkdir(exist_ok=True)
    path = _log_path(config)
    path.unlink(missing_ok=True)
    from billing_core import observability

    service_logger = logging.getLogger(observability.logger.name)
    formatter = next((h.formatter for h in service_logger.handlers if h.formatter), None)
    tee = logging.FileHandler(path, encoding="utf-8")
    if formatter is not None:
        tee.setFormatter(formatter)
    service_logger.addHandler(tee)
    others = logging.FileHandler(path, encoding="utf-8")
    others.setLevel(logging.WARNING)
    # the service logger's records reach the root logger too; they are checked above, as formatted
    others.addFilter(lambda record: not record.name.startswith(service_logger.name))
    logging.getLogger().addHandler(others)
    config._log_scrub_handlers = (service_logger, tee, others)  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    handlers = getattr(session.config, "_log_scrub_handlers", None)
    if not handlers:
        return
    service_logger, tee, others = handlers
    service_logger.removeHandler(tee)
    logging.getLogger().removeHandler(others)
    tee.close()
    others.close()
    path = _log_path(session.config)
    findings = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        for what, pattern in FORBIDDEN.items():
            if pattern.search(line):
                findings.append(f"{path}:{lineno}: {what}: {line[:200]}")
    if findings:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "F6 log scrubbing: secrets or personal data reached the logs:\n" + "\n".join(findings[:20])
        if reporter is not None:
            reporter.write_line(message, red=True)
        else:
            print(message)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
