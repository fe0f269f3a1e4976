"""The cancellation flow's retention: which offer a reason gets (:mod:`.offers`) and the record of every step
(:mod:`.steps`) that the retention report reads. The coupon offer's once-per-customer item stays in
:mod:`billing_core.retention_offer` (the one home of ``USER#<sub>``/``OFFER#<id>``)."""
