"""Logging in, and who may see what.

Every request passes through ``_gate``: a bearer token (API clients) or the session cookie
(browsers) names the user; anonymous requests reach only the login page, static files and — while no account exists —
the first run's setup page.  Session-authenticated writes must carry a CSRF token (the login
and setup forms too); token-authenticated calls are exempt, since a browser never sends the
token by itself.
"""
from __future__ import annotations

import ipaddress
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from plandraft import settings as settings_mod
from service.accounts import (
    MIN_PASSWORD,
    AccountError,
    authenticate,
    create_first_admin,
    drop_setup_token,
    has_accounts,
    login_blocked,
    record_login,
    setup_token_matches,
    user_for_token,
)
from service.db import ROLE_NAMES, User, get_db
from service.errors import ApiError, page_message

bp = Blueprint("auth", __name__)

login_manager = LoginManager()
csrf = CSRFProtect()

# Reachable without logging in; their forms are CSRF-checked all the same.
PUBLIC_ENDPOINTS = {"auth.login", "auth.setup", "static"}
_PUBLIC_FORMS = {"auth.login", "auth.setup"}
# A request a proxy relayed carries one of these: it came from wherever the proxy's client is,
# even though its remote address is the proxy's own (often loopback).
_FORWARDED_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class LoginForm(FlaskForm):
    name = StringField("用户名", validators=[DataRequired(message="请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码"), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        db, name, cfg = get_db(), form.name.data.strip(), current_app.config
        window = float(cfg["LOGIN_WINDOW_SECONDS"])
        if login_blocked(db, name, int(cfg["LOGIN_ATTEMPTS"]), window):
            # Checked before the password, so guessing on cannot confirm a right one.
            flash(f"该用户登录失败次数过多，请{max(1, round(window / 60))}分钟后再试", "error")
            return render_template("auth/login.html", form=form), 429
        user = authenticate(db, name, form.password.data)
        record_login(db, name, user is not None, window)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("drafts.index"))
        flash("用户名或密码不正确", "error")
    return render_template("auth/login.html", form=form)


class SetupForm(FlaskForm):
    token = HiddenField()
    name = StringField("管理员用户名", validators=[DataRequired(message="请输入用户名"), Length(max=64, message="用户名最长 64 个字符")])
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码"), Length(max=200)])
    confirm = PasswordField("再次输入密码", validators=[DataRequired(message="请再次输入密码"), EqualTo("password", message="两次输入的密码不一致")])


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """The first run: make the first admin.  Gone (404) once any account exists."""
    db, data_dir = get_db(), settings_mod.data_dir(current_app.config)
    if accounts_exist(db):
        abort(404)
    form = SetupForm()
    token = request.values.get("token") or None
    if not (_from_this_machine() or setup_token_matches(data_dir, token)):
        raise ApiError(
            "初始设置只能在运行 plandraft 的这台机器上进行；从其他电脑打开时，请使用启动时终端里显示的设置地址（含令牌）"
            " (setup: loopback only, or give the setup token)", 403)
    if form.validate_on_submit():
        try:
            user = create_first_admin(db, form.name.data.strip(), form.password.data)
        except AccountError as exc:
            flash(page_message(str(exc)), "error")
            return render_template("auth/setup.html", form=form, min_password=MIN_PASSWORD), 400
        if user is None:  # another setup won the race
            abort(404)
        drop_setup_token(data_dir)
        current_app.extensions["plandraft.has_accounts"] = True
        flash(f"管理员账号 {user.name} 已创建，请登录", "success")
        return redirect(url_for("auth.login"))
    form.token.data = token
    return render_template("auth/setup.html", form=form, min_password=MIN_PASSWORD), 400 if form.errors else 200


def accounts_exist(db) -> bool:
    """Whether any account exists; remembered once true, as accounts are never all removed by plandraft."""
    if current_app.extensions.get("plandraft.has_accounts"):
        return True
    found = has_accounts(db)
    if found:
        current_app.extensions["plandraft.has_accounts"] = True
    return found


def _from_this_machine() -> bool:
    if any(name in request.headers for name in _FORWARDED_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 on a dual-stack socket
    return (mapped or address).is_loopback


@bp.post("/logout")
def logout():
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (never another host) may follow the login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# -- roles -----------------------------------------------------------------------------------


def role_required(role: str):
    """Refuse (403) users below ``role``; staff < editor < admin."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(role):
                # In the words of the header's role badge (service.db.ROLE_NAMES), so a person sees
                # which role to ask for and which they have.
                raise ApiError(
                    f"此页面需要{ROLE_NAMES[role]}权限，您当前的身份是{current_user.role_name}。如需使用，请联系管理员。"
                    f" (role '{role}' required)", 403)
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


# -- wiring ----------------------------------------------------------------------------------


class _NoCookieForTokenCalls(SecureCookieSessionInterface):
    """Token-authenticated API calls get no session cookie: they are stateless."""

    def save_session(self, app, session, response):
        if g.get("plandraft_token_auth"):
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "info"
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked in _gate, after token auth
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's life
    csrf.init_app(app)
    app.session_interface = _NoCookieForTokenCalls()
    app.register_blueprint(bp)
    app.before_request(_gate)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        return get_db().get(User, int(user_id))
    except ValueError:
        return None


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        raise ApiError("需要登录 (authentication required)", 401)
    if not accounts_exist(get_db()):
        # The first visit of a fresh install: there is no one to log in as yet.
        return redirect(url_for("auth.setup"))
    flash("请先登录", "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _gate():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        if request.endpoint in _PUBLIC_FORMS and request.method in _UNSAFE_METHODS:
            csrf.protect()
        return None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        # A bad token is refused outright, even if a session cookie came along.
        user = user_for_token(get_db(), header[len("Bearer ") :].strip())
        if user is None:
            raise ApiError("API 令牌无效 (invalid token)", 401)
        g.plandraft_token_auth = True
        login_user(user)  # for this request only: the session is never saved for token calls
    elif not current_user.is_authenticated:
        return login_manager.unauthorized()
    if request.method in _UNSAFE_METHODS and not g.get("plandraft_token_auth"):
        csrf.protect()
    return None


def require_draft_access(record, user) -> None:
    """Staff see their own drafts; editors and admins see every draft.  Others get 404."""
    if record is None or (record.owner_id != user.id and not user.can("editor")):
        abort(404, description="没有这份草稿 (no such draft)")
