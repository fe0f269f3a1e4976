"""Shared core of the billing self-service functions (the Lambda layer).

Handler -> logic -> adapters. See README.md in this folder for the module map and an example app.
"""
