"""Fixtures for the HTTP API tests; they live in :mod:`web_support` so test modules can import its helpers."""

from web_support import api, demo_template, seeded_settings, shared_app, tokens

__all__ = ["api", "demo_template", "seeded_settings", "shared_app", "tokens"]
