"""gunicorn settings for the production profile (`make serve-prod`: ``gunicorn -c python:service.gunicorn_conf``).

Each worker imports the app itself (no ``--preload``: torch and Chroma's client do not survive a
fork), and the app's warm start (``PLANDRAFT_WARM_START``, service.resources.warm_up) loads the
store, the embedder and the search indexes in a thread.  The hook below makes the worker wait
for that thread before it accepts a connection: while it warms, requests go to workers that are
ready, and a worker restarted after a crash never answers its first request with a model load.
"""
from __future__ import annotations

worker_class = "gthread"
# A draft with the LLM can take minutes; the master only kills a worker that stops answering it.
timeout = 600
graceful_timeout = 30
# The control socket gunicorn 25+ opens in the working directory is not wanted here.
control_socket_disable = True


def post_worker_init(worker) -> None:
    app = worker.wsgi
    warming = getattr(app, "extensions", {}).get("plandraft.warm_thread")
    if warming is not None:
        warming.join()
