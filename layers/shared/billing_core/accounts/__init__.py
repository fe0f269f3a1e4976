"""Billing accounts: who pays, who belongs, who may do what (docs/adr/0010-billing-accounts.md).

* :mod:`.roles`: the roles, the permissions, and the one route -> permission matrix;
* :mod:`.store`: the account, member, membership and invitation items (``ACCOUNT#<id>``, ``USER#<sub>``);
* :mod:`.migration`: moving a user's items from before billing accounts (``USER#<sub>``) to their personal
  account (``ACCOUNT#p_<sub>``), idempotently, as a command and lazily on first access;
* :mod:`.context`: resolving the account a request acts on, once, in ``app_factory``;
* :mod:`.seats`: how many seats a team has paid for, and the check before a plan change reduces them;
* :mod:`.seat_purchase`: the invitation that waits for a seat on an ``auto`` seat plan, and the seat its
  confirmation holds while plan_change buys it;
* :mod:`.notifier`: delivering an invitation's token; :mod:`.errors`: refusals more than one function answers.
"""
