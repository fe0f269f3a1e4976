"""Typed models of the emulator's objects: one TypedDict per Stripe object kind, grouped by family.

Objects are stored as dicts in their API shape and rendered by copying them without their private keys, so each
model is a `TypedDict` (a dataclass would need a conversion on every render and every event snapshot):

- the public fields are the attributes stripe-python 16 declares on the resource class (API version endive), with
  nested objects and lists of them as `dict[str, Any]`, references (`ExpandableField`) as the id (`str`), and
  enums as `str` (the contract tests in `tests/contract/` hold the values to the SDK's literals);
- the emulator's private state is declared in the same model as `_`-keys, each with what it holds;
- `id` and `object` are required, every other field is optional (`total=False`): the contract tests check that
  every object carries all of its public fields, while include-only fields (`tiers`, `applies_to`, `line_items`)
  are only added when a request expands them, and objects are built up over several statements.

Modules: `base` (`StoredObject`, `Rendered`), `customers`, `catalog`, `payments`, `subscriptions`, `invoices`,
`events`, `checkout`, `billing_portal`. `Backend.get` and `Backend.all` answer the model of the kind asked for
(`typed_access.py`).
"""
