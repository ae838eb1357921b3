"""The plandraft web service: ``create_app()`` is the only way to get an app."""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask, g

from plandraft import settings as settings_mod


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings defaults, then PLANDRAFT_* variables, then ``test_config``."""
    app = Flask(__name__)
    app.config.from_mapping(settings_mod.defaults())
    app.config.from_prefixed_env(settings_mod.PREFIX.rstrip("_"))
    if test_config:
        app.config.from_mapping(test_config)

    from service import api, errors, pages

    errors.register(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.teardown_appcontext(_close_store)
    return app


def get_store():
    """The corpus store for this app, opened on first use and cached on the app."""
    from flask import current_app

    store = current_app.extensions.get("plandraft.store")
    if store is None:
        from plandraft.resources import open_store

        store = open_store(current_app.config, embedder=current_app.config.get("EMBEDDER"))
        current_app.extensions["plandraft.store"] = store
    return store


def _close_store(_exc: BaseException | None) -> None:
    # The store lives as long as the app (opening Chroma per request would be slow);
    # per-request state, if any, is dropped here.
    g.pop("plandraft_request_state", None)
