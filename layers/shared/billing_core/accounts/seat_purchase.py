"""The invitation that waits for a seat (``needs_seat``) on a full team whose plan's seat policy is ``auto``.

Its life, every step one conditional write (or one transaction with the team's ``seats_used`` counter):

1. ``invite_waiting``: written without a seat and without a token (nothing is delivered yet);
2. ``attach_preview``: the id of the stored proration preview of one more seat (plan_change's preview);
3. ``hold_seat``: a confirmation takes a seat under the limit it is about to pay for (``seats_used < limit``),
   before any Stripe write, so two confirmations racing for the seats of one purchase cannot both get one;
4. ``send``: once the seat is paid for (or was free), it becomes ``pending`` with a fresh single-use token valid
   for 7 days from now; ``release_seat`` (the purchase failed) and ``unsend`` (delivery failed) give the seat
   back and leave it ``needs_seat``.

Revoking or expiry (:meth:`InvitationStore.settle`) frees a held seat as well.
"""

from __future__ import annotations

import secrets
from typing import Any

from billing_core.accounts.invitations import (
    INVITATION_KEPT_S,
    INVITATION_VALID_S,
    Invitation,
    InvitationStore,
    token_hash,
)
from billing_core.store.base import ConditionFailed
from billing_core.store.keys import INVITATION_SK, TTL_ATTRIBUTE, account_pk, invitation_sk, invite_token_pk, key

NEEDS_SEAT = "needs_seat"


class SeatPurchaseStore(InvitationStore):
    """Invitations waiting for a seat, and the seat their confirmation holds."""

    def invite_waiting(self, account_id: str, email: str, role: str, created_by: str) -> Invitation:
        now = int(self.clock())
        invitation = Invitation(
            invitation_id="inv_" + secrets.token_urlsafe(12),
            email=email,
            role=role,
            status=NEEDS_SEAT,
            created_by=created_by,
            created_at=now,
            valid_until=now + INVITATION_VALID_S,
        )
        item = {
            **self._invitation_item(account_id, invitation, None),
            TTL_ATTRIBUTE: {"N": str(invitation.valid_until + INVITATION_KEPT_S)},
        }
        self._put(item, "accounts.invite_waiting", condition="attribute_not_exists(pk)")
        return invitation

    def attach_preview(self, account_id: str, invitation_id: str, preview_id: str) -> bool:
        """Remember the preview of the invitation's seat; False when it no longer waits (or a purchase runs)."""
        try:
            self._update(
                account_pk(account_id),
                invitation_sk(invitation_id),
                "SET seat_preview_id = :p",
                "accounts.seat_preview",
                condition="#s = :needs AND attribute_not_exists(seat_held_by)",
                names={"#s": "status"},
                values={":p": {"S": preview_id}, ":needs": {"S": NEEDS_SEAT}},
            )
        except ConditionFailed:
            return False
        return True

    def hold_seat(
        self, account_id: str, invitation: Invitation, fingerprint: str, limit: int | None, bought_with: str
    ) -> bool:
        """Take a seat for the invitation while ``seats_used < limit`` (None: no limit); False when there is none
        or the invitation moved on (revoked, expired, held by another confirmation)."""
        now = int(self.clock())
        try:
            self._transact_write(
                [
                    (
                        "Update",
                        {
                            **self._keyed(
                                account_pk(account_id),
                                invitation_sk(invitation.invitation_id),
                                "#s = :needs AND attribute_not_exists(seat_held_by) AND valid_until > :now",
                                {"#s": "status"},
                                {
                                    ":needs": {"S": NEEDS_SEAT},
                                    ":now": {"N": str(now)},
                                    ":me": {"S": fingerprint},
                                    ":b": {"S": bought_with},
                                },
                            ),
                            "UpdateExpression": "SET seat_held_by = :me, seat_bought_with = :b",
                        },
                    ),  # fmt: skip
                    self._counter(account_id, "seats_used", 1, limit=limit),
                ],
                "accounts.hold_seat",
            )
        except ConditionFailed:
            return False
        return True

    def release_seat(self, account_id: str, invitation_id: str, fingerprint: str) -> bool:
        """Give back the seat this confirmation holds (the purchase did not happen)."""
        try:
            self._transact_write(
                [
                    (
                        "Update",
                        {
                            **self._keyed(
                                account_pk(account_id),
                                invitation_sk(invitation_id),
                                "#s = :needs AND seat_held_by = :me",
                                {"#s": "status"},
                                {":needs": {"S": NEEDS_SEAT}, ":me": {"S": fingerprint}},
                            ),
                            "UpdateExpression": "REMOVE seat_held_by, seat_bought_with",
                        },
                    ),  # fmt: skip
                    self._counter(account_id, "seats_used", -1),
                ],
                "accounts.release_seat",
            )
        except ConditionFailed:
            return False
        return True

    def send(self, account_id: str, invitation_id: str, fingerprint: str) -> tuple[Invitation, str] | None:
        """The held seat becomes the pending invitation's, with a new token valid for 7 days from now (returned
        once, stored hashed); None when this confirmation no longer holds it."""
        now = int(self.clock())
        token = secrets.token_urlsafe(32)
        hashed = token_hash(token)
        valid_until = now + INVITATION_VALID_S
        ttl = {"N": str(valid_until + INVITATION_KEPT_S)}
        values: dict[str, Any] = {
            ":needs": {"S": NEEDS_SEAT},
            ":me": {"S": fingerprint},
            ":pending": {"S": "pending"},
            ":h": {"S": hashed},
            ":v": {"N": str(valid_until)},
            ":ttl": ttl,
        }
        try:
            self._transact_write(
                [
                    (
                        "Update",
                        {
                            **self._keyed(
                                account_pk(account_id),
                                invitation_sk(invitation_id),
                                "#s = :needs AND seat_held_by = :me",
                                {"#s": "status", "#ttl": TTL_ATTRIBUTE},
                                values,
                            ),
                            "UpdateExpression": "SET #s = :pending, token_hash = :h, valid_until = :v, #ttl = :ttl, "
                            "confirmed_by = :me REMOVE seat_held_by",
                        },
                    ),  # fmt: skip
                    (
                        "Put",
                        {
                            "Item": {
                                **key(invite_token_pk(hashed), INVITATION_SK),
                                "account_id": {"S": account_id},
                                "invitation_id": {"S": invitation_id},
                                TTL_ATTRIBUTE: ttl,
                            },
                            "ConditionExpression": "attribute_not_exists(pk)",
                        },
                    ),  # fmt: skip
                ],
                "accounts.send_invitation",
            )
        except ConditionFailed:
            return None
        sent = self.invitation(account_id, invitation_id)
        return (sent, token) if sent is not None else None

    def unsend(self, account_id: str, invitation_id: str, token: str, fingerprint: str) -> None:
        """Delivery failed: the invitation waits again (its token is dropped, its seat given back)."""
        self._transact_write(
            [
                (
                    "Update",
                    {
                        **self._keyed(
                            account_pk(account_id),
                            invitation_sk(invitation_id),
                            "#s = :pending AND confirmed_by = :me",
                            {"#s": "status"},
                            {":pending": {"S": "pending"}, ":me": {"S": fingerprint}, ":needs": {"S": NEEDS_SEAT}},
                        ),
                        "UpdateExpression": "SET #s = :needs REMOVE token_hash, confirmed_by, seat_bought_with",
                    },
                ),  # fmt: skip
                ("Delete", self._keyed(invite_token_pk(token_hash(token)), INVITATION_SK)),
                self._counter(account_id, "seats_used", -1),
            ],
            "accounts.unsend_invitation",
        )
