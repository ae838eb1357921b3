"""One error shape for the whole service: ``{"ok": false, "error": ..., "status": ...}``.

JSON for the API (and for clients that ask for JSON), a page for browsers.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """An error meant for the user of the API; the message names the field or thing at fault.

    ``extra`` is sent beside the error in JSON (a 409 carries the texts a client needs to merge)."""

    def __init__(self, message: str, status: int = 400, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.extra = extra or {}


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(message: str, status: int, extra: dict | None = None):
    if _wants_json():
        return jsonify({"ok": False, "error": message, "status": status, **(extra or {})}), status
    return render_template("error.html", message=message, status=status), status


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.message, exc.status, exc.extra)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return error_response(exc.description or exc.name, exc.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return error_response("internal error", 500)
