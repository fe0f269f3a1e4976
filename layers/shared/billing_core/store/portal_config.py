"""Where the Stripe portal configuration id lives: ``CONFIG#portal``/``CONFIG`` (attribute ``configuration_id``).

The admin command ``make portal-config`` writes it; ``portal_session`` reads it on every session. DynamoDB rather
than SSM: the functions already read that table, it works offline under moto, and the id changes only when that
command runs.
"""

from __future__ import annotations

from datetime import UTC, datetime

from billing_core.errors import ConfigurationError
from billing_core.observability import count
from billing_core.settings import get_environment
from billing_core.store.base import TableStore
from billing_core.store.keys import PORTAL_CONFIG_PK, PORTAL_CONFIG_SK, key


class PortalConfigStore(TableStore):
    """``CONFIG#portal``/``CONFIG`` in the billing table."""

    @property
    def table(self) -> str:
        # Only TABLE_NAME: the admin command runs without the functions' other settings.
        if self._table:
            return self._table
        name = get_environment().table_name
        if not name:
            raise ConfigurationError(message_for_logs="TABLE_NAME is not set")
        return name

    def get(self) -> str | None:
        item = self._get(PORTAL_CONFIG_PK, PORTAL_CONFIG_SK, "portal_config.get")
        value = (item or {}).get("configuration_id", {}).get("S", "")
        return value if value.startswith("bpc_") else None

    def configuration_id(self) -> str:
        """The configuration every portal session uses; ``ConfigurationError`` when none was stored."""
        value = self.get()
        if value is None:
            count("PortalNotConfigured")
            raise ConfigurationError(message_for_logs="no portal configuration stored: run `make portal-config`")
        return value

    def put(self, configuration_id: str) -> None:
        item = {
            **key(PORTAL_CONFIG_PK, PORTAL_CONFIG_SK),
            "configuration_id": {"S": configuration_id},
            "updated_at": {"S": datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="seconds")},
        }
        self._put(item, "portal_config.put")
