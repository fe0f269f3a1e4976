"""The Cognito user pool, asked for a user's verified e-mail and name by ``sub`` (access tokens carry no e-mail)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from billing_core import aws
from billing_core.errors import DependencyUnavailable
from billing_core.observability import count, logger
from billing_core.settings import get_settings


@dataclass(frozen=True)
class UserProfile:
    """What the user pool knows about a user (verified e-mail only)."""

    email: str | None
    name: str | None


class CognitoUserPool:
    """Looks a user up by ``sub`` (access tokens carry no e-mail)."""

    def __init__(self, user_pool_id: str | None = None, client: Any | None = None) -> None:
        self._pool_id = user_pool_id
        self._client = client

    def profile(self, sub: str) -> UserProfile:
        pool_id = self._pool_id if self._pool_id is not None else get_settings().user_pool_id
        if not pool_id:
            return UserProfile(email=None, name=None)
        client = self._client or aws.client("cognito-idp")
        try:
            users = client.list_users(UserPoolId=pool_id, Filter=f'sub = "{sub}"', Limit=1).get("Users", [])
        except (ClientError, BotoCoreError) as exc:
            count("CognitoUnavailable")
            logger.warning("cognito lookup failed", extra={"aws_error": type(exc).__name__})
            raise DependencyUnavailable(retry_after=2, operation="cognito.list_users") from None
        if not users:
            return UserProfile(email=None, name=None)
        attrs = {a["Name"]: a.get("Value", "") for a in users[0].get("Attributes", [])}
        email = attrs.get("email") if attrs.get("email_verified", "").lower() == "true" else None
        name = attrs.get("name") or " ".join(
            part for part in (attrs.get("given_name"), attrs.get("family_name")) if part
        )
        return UserProfile(email=email or None, name=name or None)
