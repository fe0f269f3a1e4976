"""Benchmarks (`make bench` = `python -m bench`): each module with a `run() -> list[dict]` adds rows."""
