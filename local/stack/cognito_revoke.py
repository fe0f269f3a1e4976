"""Cognito's `RevokeToken` for the offline stack's moto (`install()`, called by `local.stack.moto_server`): moto 5
lacks it (it answered 500 without CORS headers, so signing out logged a CORS error in the browser).

RevokeToken as the Cognito user pools API reference documents it (botocore's cognito-idp model, operation
RevokeToken): `{"Token", "ClientId", "ClientSecret"?}`; 200 with an empty JSON body on success; errors are 400
`InvalidParameterException` (missing or malformed parameter), `UnauthorizedException` (unknown client, wrong or
missing client secret, token issued to another client), `UnsupportedOperationException` (token revocation not
enabled for the client), `UnsupportedTokenTypeException` (not a refresh token, e.g. an access or ID token).
Revoking an unknown or already revoked refresh token answers 200 (OAuth token revocation, RFC 7009 section 2.2).
A revoked refresh token no longer refreshes (moto then answers NotAuthorizedException) and the access tokens made
from it are dropped, so Cognito's user APIs refuse them. Responses go through moto's app, which adds CORS headers.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import EmptyResult

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9\-_=.]+")
CLIENT_PATTERN = re.compile(r"[\w+]+")


def _error(kind: str, message: str) -> JsonRESTError:
    return JsonRESTError(kind, message)  # status 400, body {"__type": kind, "message": message}


def _origin_jti(jwt: str) -> str | None:
    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    return claims.get("origin_jti") if isinstance(claims, dict) else None


def _find_client(backend: Any, client_id: str) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient] | None:
    for pool in backend.user_pools.values():
        client = pool.clients.get(client_id)
        if client is not None:
            return pool, client
    return None


def revoke_token(self: CognitoIdpResponse) -> EmptyResult:
    token, client_id, secret = self._get_param("Token"), self._get_param("ClientId"), self._get_param("ClientSecret")
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        raise _error(
            "InvalidParameterException", "1 validation error detected: Value at 'token' failed to satisfy constraint"
        )
    if not isinstance(client_id, str) or not CLIENT_PATTERN.fullmatch(client_id) or len(client_id) > 128:
        raise _error(
            "InvalidParameterException", "1 validation error detected: Value at 'clientId' failed to satisfy constraint"
        )
    found = _find_client(self.backend, client_id)
    if found is None:
        raise _error("UnauthorizedException", "Client is not authorized to revoke this token.")
    pool, client = found
    if client.generate_secret and secret != client.secret:
        raise _error("UnauthorizedException", "Client secret is missing or does not match.")
    if not client.extended_config.get("EnableTokenRevocation", True):
        raise _error("UnsupportedOperationException", "Token revocation is not enabled for this client.")
    if token in pool.access_tokens or token in pool.id_tokens:
        raise _error("UnsupportedTokenTypeException", "Only refresh tokens can be revoked.")
    issued = pool.refresh_tokens.get(token)
    if issued is None:
        return EmptyResult()  # unknown or already revoked: nothing to do (RFC 7009)
    issued_to, _username, origin_jti = issued
    if issued_to != client_id:
        raise _error("UnauthorizedException", "Client is not authorized to revoke this token.")
    pool.refresh_tokens[token] = None
    for access_token in [t for t in pool.access_tokens if _origin_jti(t) == origin_jti]:
        pool.access_tokens.pop(access_token, None)
    return EmptyResult()


def install() -> None:
    CognitoIdpResponse.revoke_token = revoke_token  # type: ignore[attr-defined]  # moto lacks RevokeToken; added here
