"""One error shape for the whole service: ``{"ok": false, "error": ..., "status": ...}``.

JSON for the API (and for clients that ask for JSON), a page for browsers.  API messages read
``field: 中文 (english)`` so a client can tell the field and either language; a page shows a
person the Chinese alone (``page_message``), under a Chinese heading for the status.
"""
from __future__ import annotations

import re

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

# What a person is told for each status when nothing more particular was said (werkzeug's own
# descriptions are English: "The requested URL was not found on the server…").
STATUS_TITLES = {
    400: ("请求有误", "提交的内容无法处理，请检查后重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("没有权限", "您没有打开此页面的权限。"),
    404: ("找不到页面", "没有这个页面，或它已被删除。请检查地址，或从首页重新进入。"),
    405: ("不支持此操作", "此页面不接受这种请求方式。请从页面上的按钮操作。"),
    409: ("内容有冲突", "内容已被他人修改，请刷新后重试。"),
    413: ("文件太大", "上传的内容超过了大小上限，请分批上传或压缩后重试。"),
    429: ("操作过于频繁", "请稍后再试。"),
    500: ("服务器出错", "服务器内部出错，已记录。请稍后重试；问题持续时请联系管理员。"),
    501: ("暂不支持", "此功能在当前版本中尚不可用。"),
}
_HAN = re.compile(r"[\u3400-\u9fff]")
# "files: a.txt: 文件为空 (empty file)": the machine-readable field before the Chinese, the
# English after it.  Only a leading ASCII name is a field; a file name stays (it says which file).
_FIELD_PREFIX = re.compile(r"^[A-Za-z_][\w.\[\]]*: ")
_ENGLISH_TAIL = re.compile(r"\s*\([^()\u3400-\u9fff]*\)\s*$")


class ApiError(Exception):
    """An error meant for the user of the API; the message names the field or thing at fault.

    ``extra`` is sent beside the error in JSON (a 409 carries the texts a client needs to merge)."""

    def __init__(self, message: str, status: int = 400, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.extra = extra or {}


def page_message(message: str, status: int = 400) -> str:
    """What a page shows a person for an API message: its Chinese alone, without the field's
    code name or the English; the status's own Chinese sentence when the message has none."""
    text = _ENGLISH_TAIL.sub("", _FIELD_PREFIX.sub("", (message or "").strip()))
    if _HAN.search(text):
        return text
    return STATUS_TITLES.get(status, STATUS_TITLES[500])[1]


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(message: str, status: int, extra: dict | None = None):
    if _wants_json():
        return jsonify({"ok": False, "error": message, "status": status, **(extra or {})}), status
    title = STATUS_TITLES.get(status, STATUS_TITLES[500 if status >= 500 else 400])[0]
    return render_template("error.html", title=title, message=page_message(message, status), status=status), status


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.message, exc.status, exc.extra)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = exc.code or 500
        said = exc.description or exc.name
        # werkzeug's and Flask-WTF's own words are English: the JSON keeps them after the Chinese.
        if isinstance(exc, CSRFError):
            said = f"页面已过期或缺少安全令牌（CSRF），请刷新页面后重新提交 ({exc.description})"
        elif not _HAN.search(said or ""):
            said = f"{STATUS_TITLES.get(code, STATUS_TITLES[500])[1]} ({exc.name})"
        return error_response(said, code)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return error_response(f"{STATUS_TITLES[500][1]} (internal error)", 500)
