"""Delivering an invitation's single-use token to the invitee's e-mail address, behind a small interface.

The product sends no e-mail itself: the host app does, the way it sends its other mail.

* :class:`EventBridgeNotifier` (``EVENT_BUS_NAME`` set): a ``billing.invitation.created`` event on the bus with
  the address, the team's name, the token and its expiry; the app's rule mails the accept link;
* :class:`LogNotifier` (``INVITATION_LOG_PATH`` set, the offline stack): one JSON line per invitation appended to
  that file (``.local/invitations.log``);
* otherwise nothing is sent (the ``InvitationNotDelivered`` metric and a warning): the invitation stays pending
  and can be revoked.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from billing_core.domain_events import DomainEvent, EventBridgePublisher
from billing_core.observability import count, logger
from billing_core.settings import get_settings

INVITATION_CREATED = "billing.invitation.created"


@dataclass(frozen=True)
class InvitationMessage:
    account_id: str
    account_name: str
    invitation_id: str
    email: str
    role: str
    token: str
    expires_at: int


class InvitationNotifier(Protocol):
    def send(self, message: InvitationMessage) -> None:
        """Deliver the invitation or raise ``DependencyUnavailable`` (the invitation is then revoked)."""
        ...


class EventBridgeNotifier:
    def __init__(self, bus_name: str, publisher: EventBridgePublisher | None = None) -> None:
        self.publisher = publisher or EventBridgePublisher(bus_name)

    def send(self, message: InvitationMessage) -> None:
        detail = {k: v for k, v in asdict(message).items() if k != "account_id"}
        self.publisher.publish([DomainEvent(INVITATION_CREATED, message.account_id, "", detail)])


class LogNotifier:
    _lock = threading.Lock()

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def send(self, message: InvitationMessage) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(asdict(message), sort_keys=True) + "\n")


class UndeliveredNotifier:
    def send(self, message: InvitationMessage) -> None:
        count("InvitationNotDelivered")
        logger.warning("no invitation notifier configured; the invitation was not delivered")


def get_notifier() -> InvitationNotifier:
    settings = get_settings()
    if settings.invitation_log_path:
        return LogNotifier(settings.invitation_log_path)
    if settings.event_bus_name:
        return EventBridgeNotifier(settings.event_bus_name)
    return UndeliveredNotifier()
