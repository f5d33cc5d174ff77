"""Fixtures of the console route tests; they live in :mod:`console_support` with the helpers."""

from console_support import (
    client,
    console_template,
    ro_app_client,
    ro_client,
    ro_settings,
    ro_sign_in,
    services,
    settings,
    sign_in,
)

__all__ = [
    "client",
    "console_template",
    "ro_app_client",
    "ro_client",
    "ro_settings",
    "ro_sign_in",
    "services",
    "settings",
    "sign_in",
]
