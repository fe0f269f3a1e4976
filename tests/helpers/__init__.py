"""Test helpers shared by every function's tests: API Gateway v2 events and moto resources."""
