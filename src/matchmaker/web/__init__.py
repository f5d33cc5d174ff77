"""The web layer: the Litestar app factory, routes, auth and error mapping.

Public surface::

    from matchmaker.web import create_app
    app = create_app(settings)

Auth for other web features lives in :mod:`matchmaker.web.auth` (guards, ``current_user``, the
session cookie).
"""

from matchmaker.web.app import create_app

__all__ = ["create_app"]
