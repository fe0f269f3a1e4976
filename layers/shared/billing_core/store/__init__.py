"""The billing table: the store base (:mod:`.base`) and every item key (:mod:`.keys`).

This package imports none of its modules: import from ``billing_core.store.base`` and the others directly. A
package whose ``__init__`` imports its own submodules can deadlock when two threads import it and one of the
submodules for the first time at once (CPython's per-module import locks, taken parent-first by one thread and
child-first by the other); the offline stack imports on many threads. ``tests/unit/core/test_import_rules.py``
keeps it so.
"""
