"""What the web app opens once and shares: the corpus store and the drafter over it.

Each is built from the app's settings on first use (``plandraft.resources`` does the building,
as it does for the CLI), cached on the app and closed with it — like flaskr's ``get_db()``.
Blueprint modules import these from here, never from the ``service`` package itself.
"""
from __future__ import annotations

import threading
import weakref

from flask import Flask, current_app

from plandraft.resources import make_drafter, open_store
from service import db

_CREATE_LOCK = threading.Lock()


def get_store():
    """The corpus store for this app, opened on first use, cached on the app, closed with it."""
    app = current_app._get_current_object()
    store = app.extensions.get("plandraft.store")
    if store is None:
        with _CREATE_LOCK:
            store = app.extensions.get("plandraft.store")
            if store is None:
                store = open_store(app.config, embedder=app.config.get("EMBEDDER"))
                app.extensions["plandraft.store"] = store
                weakref.finalize(app, store.close)
    return store


def get_drafter():
    """The Drafter over this app's store (hybrid search, LLM polishing on request)."""
    app = current_app._get_current_object()
    drafter = app.extensions.get("plandraft.drafter")
    if drafter is None:
        store = get_store()
        with _CREATE_LOCK:
            drafter = app.extensions.get("plandraft.drafter")
            if drafter is None:
                drafter = make_drafter(app.config, store)
                app.extensions["plandraft.drafter"] = drafter
    return drafter


def warm_up(app: Flask) -> threading.Thread:
    """Open the store, load the embedder (one query encoded) and build the search indexes in a
    background thread, so the first draft does not wait for them (~8 s for m3e-small).

    Each step goes through the same getters a request uses, under the same locks (this module's
    for the store and drafter, the embedder's own for its model, the searcher's for its index),
    so a request arriving meanwhile waits for the one load instead of starting a second.
    ``warmed(app)`` tells when it is done (``/api/health`` reports it)."""

    def run() -> None:
        with app.app_context():
            try:
                drafter = get_drafter()
                drafter.searcher.store.embedder.embed_query("政协工作计划")
                drafter.searcher.snapshot()
            except Exception:  # the first request will meet the same error and report it
                app.logger.exception("warm start failed")
                return
            app.extensions["plandraft.warm"] = True

    thread = threading.Thread(target=run, name="plandraft-warm-start", daemon=True)
    app.extensions["plandraft.warm_thread"] = thread
    thread.start()
    return thread


def warmed(app: Flask) -> bool:
    """Whether the warm start has finished (False while it runs, when it failed, or was not asked for)."""
    return bool(app.extensions.get("plandraft.warm"))


def close(app: Flask) -> None:
    """Close what the app opened (store, database engine) — for tests and explicit shutdown."""
    warming = app.extensions.pop("plandraft.warm_thread", None)
    if warming is not None:
        warming.join()  # closing the store under a warm-up still opening it would leave it half open
    store = app.extensions.pop("plandraft.store", None)
    app.extensions.pop("plandraft.drafter", None)
    if store is not None:
        store.close()
    db.dispose(app)
