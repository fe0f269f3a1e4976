"""The retention report: what the cancellation flow did, per reason and per offer, from the recorded steps.

python -m admin.retention_report [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--json]    (make retention-report)

Reads the steps of the flows started from ``--since`` (default: 90 days ago) to ``--until`` (default: today,
UTC) from the billing table (``billing_core.retention.steps``; ``TABLE_NAME``) and prints, per reason and per
offer shown (``none`` when the reason had no offer):

* ``started`` - cancellation flows (ours, plus those Stripe showed us from the hosted portal);
* ``shown``, ``accepted``, ``declined`` - the offer;
* ``saved_30d`` - accepted, and no cancellation in the 30 days after (counted once 30 days have passed);
* ``cancelled`` - flows that ended in a cancellation (at the period end or at once);
* ``paused``, ``resumed``, ``cancelled_at_resume`` - flows with a pause; of those, the ones that came back
  (resumed and paying) and the ones that were cancelled after the pause without coming back.

A flow counts once per figure however many times a step repeats.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

from billing_core.retention.steps import RecordedStep, RetentionSteps

SAVED_AFTER_S = 30 * 86400
DEFAULT_DAYS = 90
FIGURES = (
    "started",
    "shown",
    "accepted",
    "declined",
    "saved_30d",
    "cancelled",
    "paused",
    "resumed",
    "cancelled_at_resume",
)
NONE = "none"


@dataclass
class Figures:
    started: int = 0
    shown: int = 0
    accepted: int = 0
    declined: int = 0
    saved_30d: int = 0
    cancelled: int = 0
    paused: int = 0
    resumed: int = 0
    cancelled_at_resume: int = 0

    def add(self, other: Figures) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Report:
    since: str
    until: str
    by_reason: dict[str, Figures]
    by_offer: dict[str, Figures]
    total: Figures

    def to_dict(self) -> dict[str, object]:
        return {
            "since": self.since,
            "until": self.until,
            "by_reason": {k: asdict(v) for k, v in sorted(self.by_reason.items())},
            "by_offer": {k: asdict(v) for k, v in sorted(self.by_offer.items())},
            "total": asdict(self.total),
        }


def flow_figures(steps: list[RecordedStep], now: int) -> Figures:
    """One flow's figures (each 0 or 1) from its steps."""
    kinds = {s.step for s in steps}
    f = Figures(started=1)
    f.shown = int("shown" in kinds)
    f.declined = int("declined" in kinds)
    f.cancelled = int("cancelled" in kinds)
    cancels = sorted(s.at for s in steps if s.step == "cancelled")
    accepted = [s.at for s in steps if s.step == "accepted"]
    if accepted:
        f.accepted = 1
        at = min(accepted)
        if now >= at + SAVED_AFTER_S and not any(at <= c <= at + SAVED_AFTER_S for c in cancels):
            f.saved_30d = 1
    pauses = sorted(s.at for s in steps if s.step == "paused")
    if pauses:
        f.paused = 1
        back = [s.at for s in steps if s.step == "came_back" and s.at >= pauses[0]]
        f.resumed = int(bool(back))
        last_pause = pauses[-1]
        came_back_after_last = any(b >= last_pause for b in back)
        f.cancelled_at_resume = int(not came_back_after_last and any(c >= last_pause for c in cancels))
    return f


def summarize(steps: Iterable[RecordedStep], now: int, since: str = "", until: str = "") -> Report:
    flows: dict[str, list[RecordedStep]] = defaultdict(list)
    for step in steps:
        flows[step.flow_id].append(step)
    by_reason: dict[str, Figures] = defaultdict(Figures)
    by_offer: dict[str, Figures] = defaultdict(Figures)
    total = Figures()
    for flow_steps in flows.values():
        figures = flow_figures(flow_steps, now)
        reason = next((s.reason for s in flow_steps if s.reason), None) or NONE
        offer = next((s.offer for s in flow_steps if s.offer), None) or NONE
        by_reason[reason].add(figures)
        by_offer[offer].add(figures)
        total.add(figures)
    return Report(since, until, dict(by_reason), dict(by_offer), total)


def render(report: Report) -> str:
    width = max([len(k) for k in (*report.by_reason, *report.by_offer)] + [len("reason"), len("total")])
    head = "  ".join(f"{name:>{max(len(name), 5)}}" for name in FIGURES)

    def row(label: str, f: Figures) -> str:
        cells = "  ".join(f"{getattr(f, name):>{max(len(name), 5)}}" for name in FIGURES)
        return f"{label:<{width}}  {cells}"

    lines = [f"Retention report: flows started {report.since} to {report.until} (UTC)", ""]
    for title, groups in (("reason", report.by_reason), ("offer", report.by_offer)):
        lines.append(f"{title:<{width}}  {head}")
        lines += [row(k, v) for k, v in sorted(groups.items())]
        lines.append(row("total", report.total))
        lines.append("")
    return "\n".join(lines)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main(argv: list[str] | None = None, steps: RetentionSteps | None = None, now: float | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m admin.retention_report", description=__doc__.splitlines()[0])
    parser.add_argument("--since", type=_day, help="first day of flows to count (default: 90 days ago)")
    parser.add_argument("--until", type=_day, help="last day of flows to count (default: today)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    at = int(now if now is not None else time.time())
    until = args.until or datetime.fromtimestamp(at, UTC).date()
    since = args.since or until - timedelta(days=DEFAULT_DAYS)
    if since > until:
        parser.error("--since is after --until")
    store = steps or RetentionSteps()
    report = summarize(store.steps_since(since, until), at, since.isoformat(), until.isoformat())
    print(json.dumps(report.to_dict(), indent=2) if args.json else render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
