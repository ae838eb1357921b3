"""The plandraft web service: ``create_app()`` is the only way to get an app.

Blueprints, one per area: ``auth`` (login), ``drafts`` (staff: request, stream, edit, versions,
export), ``proofing_pages`` (apply or dismiss a 校对 finding, upload an edited Word file), ``compare`` (editors: sentence-by-sentence sources, documents), ``search`` (editors: the
corpus), ``admin`` (uploads,
re-ingest, document metadata, families, statistics) and ``api`` (JSON under /api/).
"""
from __future__ import annotations

import os
import secrets
from typing import Any, Mapping

from flask import Flask

from plandraft import settings as settings_mod
from service.resources import close, get_drafter, get_store, warm_up

__all__ = ["create_app", "close", "get_drafter", "get_store"]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: the settings the CLI reads (defaults, then typed PLANDRAFT_* variables), then ``test_config``.

    A variable with a value plandraft cannot use raises ``settings.SettingError`` naming it.
    """
    app = Flask(__name__)
    # Not Flask's from_prefixed_env: it would read the variables a second way, untyped and
    # unchecked ("no" as a truthy string, a numeric key as an int).
    app.config.from_mapping(settings_mod.load())
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.config)
    upload_bytes = int(app.config["UPLOAD_MAX_MB"]) * 1024 * 1024
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(app.config["COOKIE_SECURE"]),
        REMEMBER_COOKIE_SECURE=bool(app.config["COOKIE_SECURE"]),
        # One request may carry several files, each at most UPLOAD_MAX_MB (checked per file).
        MAX_CONTENT_LENGTH=app.config.get("MAX_CONTENT_LENGTH") or upload_bytes * 10 + 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    app.jinja_env.autoescape = True

    from service import admin, api, auth, compare, db, drafts, errors, filters, proofing_pages, search

    errors.register(app)
    auth.init_app(app)
    filters.register(app)
    app.register_blueprint(drafts.bp)
    app.register_blueprint(compare.bp)
    app.register_blueprint(proofing_pages.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(search.bp)
    app.after_request(_security_headers)
    app.teardown_appcontext(db.close_db)
    # A test app warms only when its config asks: most tests never draft, or bring their own store.
    if app.config["WARM_START"] and (not app.config.get("TESTING") or (test_config or {}).get("WARM_START")):
        warm_up(app)
    return app


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _secret_key(config: Mapping[str, Any]) -> str:
    """A random key kept in the data directory, shared by every worker that opens it."""
    path = settings_mod.data_dir(config) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        # Another worker is writing it this very moment.
        import time

        time.sleep(0.2)
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key)
    return key
