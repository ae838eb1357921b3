"""Every setting is declared once, documented in the README, and read one way by the CLI and the web app."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from plandraft import settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")

# One value for each setting as an environment variable would give it, and what it must become.
EXAMPLES = {
    "DATA_DIR": ("{tmp}/data", "{tmp}/data"),
    "CHROMA_URL": ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    "COLLECTION": ("other_chunks", "other_chunks"),
    "EMBEDDING_MODEL": ("/models/bge-small-zh", "/models/bge-small-zh"),
    "EMBEDDING_BACKEND": ("ONNX", "onnx"),
    "EMBEDDING_PRECISION": ("Int8", "int8"),
    "EMBEDDING_BATCH": ("8", 8),
    "EMBEDDING_BATCH_TOKENS": ("2048", 2048),
    "EMBEDDING_THREADS": (" 2 ", 2),
    "MAX_FILE_MB": ("5", 5),
    "CHUNK_MAX_CHARS": ("800", 800),
    "DUP_THRESHOLD": ("0.8", 0.8),
    "LLM_BASE_URL": ("https://llm.example/v1", "https://llm.example/v1"),
    "LLM_MODEL": ("qwen2.5-7b-instruct", "qwen2.5-7b-instruct"),
    "LLM_API_KEY": ("12345", "12345"),
    "LLM_TIMEOUT": ("30", 30.0),
    "LLM_MAX_TOKENS": ("512", 512),
    "DATABASE_URL": ("sqlite:///{tmp}/users.sqlite", "sqlite:///{tmp}/users.sqlite"),
    "SECRET_KEY": ("12345", "12345"),  # a numeric key stays text
    "UPLOAD_MAX_MB": ("3", 3),
    "COOKIE_SECURE": ("no", False),  # "no" is not a truthy string
    "LOGIN_ATTEMPTS": ("10", 10),
    "LOGIN_WINDOW_SECONDS": ("60", 60),
    "TIMEZONE": ("Europe/Berlin", "Europe/Berlin"),
    "WARM_START": ("off", False),
    "DELETED_DRAFT_DAYS": ("7", 7),
}

# A value each checked setting must refuse.  Free text (a model name, a key) has none.
BAD = {
    "DATA_DIR": "  ",
    "CHROMA_URL": "localhost:8000",
    "COLLECTION": "",
    "EMBEDDING_BACKEND": "tensorflow",
    "EMBEDDING_PRECISION": "int4",
    "EMBEDDING_BATCH": "lots",
    "EMBEDDING_BATCH_TOKENS": "8",
    "EMBEDDING_THREADS": "0",
    "MAX_FILE_MB": "20MB",
    "CHUNK_MAX_CHARS": "10",
    "DUP_THRESHOLD": "1.5",
    "LLM_BASE_URL": "ftp://llm.example",
    "LLM_MODEL": " ",
    "LLM_TIMEOUT": "nan",
    "LLM_MAX_TOKENS": "-5",
    "DATABASE_URL": "users.sqlite",
    "UPLOAD_MAX_MB": "2.5",
    "COOKIE_SECURE": "maybe",
    "LOGIN_ATTEMPTS": "",
    "LOGIN_WINDOW_SECONDS": "1e9",
    "TIMEZONE": "",
    "WARM_START": "sometimes",
    "DELETED_DRAFT_DAYS": "0",
}
FREE_TEXT = {"EMBEDDING_MODEL", "LLM_API_KEY", "SECRET_KEY"}


@pytest.mark.parametrize("setting", settings.SETTINGS, ids=lambda s: s.name)
def test_setting_is_documented_in_readme(setting):
    assert f"`{setting.env_name}`" in README


@pytest.mark.parametrize("setting", [s for s in settings.SETTINGS if s.minimum is not None], ids=lambda s: s.name)
def test_the_readme_gives_each_numbers_range(setting):
    row = next(line for line in README.splitlines() if line.startswith(f"| `{setting.env_name}` |"))
    assert f"{setting.minimum:g}–{setting.maximum:g}" in row


def test_every_setting_has_an_example_and_every_checked_one_a_bad_value():
    names = {s.name for s in settings.SETTINGS}
    assert set(EXAMPLES) == names
    assert set(BAD) == names - FREE_TEXT


def _clean_environment(monkeypatch, tmp_path):
    for s in settings.SETTINGS:
        monkeypatch.delenv(s.env_name, raising=False)
    monkeypatch.setenv("PLANDRAFT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PLANDRAFT_SECRET_KEY", "settings-test")
    monkeypatch.setenv("PLANDRAFT_WARM_START", "off")  # no embedder loading behind these apps


@pytest.mark.parametrize("setting", settings.SETTINGS, ids=lambda s: s.name)
def test_the_app_config_gets_the_typed_value(setting, monkeypatch, tmp_path):
    from service import close, create_app

    _clean_environment(monkeypatch, tmp_path)
    raw, expected = (v.format(tmp=tmp_path) if isinstance(v, str) else v for v in EXAMPLES[setting.name])
    monkeypatch.setenv(setting.env_name, raw)
    app = create_app()
    try:
        value = app.config[setting.name]
        assert value == expected and type(value) is type(expected)
        assert type(value) is type(setting.default)
        # The CLI reads the very same values.
        assert settings.load()[setting.name] == value
    finally:
        close(app)


def test_derived_flask_settings_follow_the_typed_values(monkeypatch, tmp_path):
    from service import close, create_app

    _clean_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("PLANDRAFT_COOKIE_SECURE", "no")
    monkeypatch.setenv("PLANDRAFT_UPLOAD_MAX_MB", "3")
    app = create_app()
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is False and app.config["REMEMBER_COOKIE_SECURE"] is False
        assert app.config["MAX_CONTENT_LENGTH"] == 3 * 1024 * 1024 * 10 + 1024 * 1024
    finally:
        close(app)
    monkeypatch.setenv("PLANDRAFT_COOKIE_SECURE", "YES")
    app = create_app()
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
    finally:
        close(app)


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_value_is_refused_by_the_app_and_the_cli_naming_the_variable(name, monkeypatch, tmp_path):
    from plandraft.cli import main
    from service import create_app

    _clean_environment(monkeypatch, tmp_path)
    env_name = settings.PREFIX + name
    monkeypatch.setenv(env_name, BAD[name])
    with pytest.raises(settings.SettingError) as refused:
        create_app()
    assert str(refused.value).startswith(f"{env_name}=")
    result = CliRunner().invoke(main, ["documents"])
    assert result.exit_code == 1
    assert f"Error: {env_name}=" in result.output and "Traceback" not in result.output


def test_test_config_goes_on_top_of_the_environment(monkeypatch, tmp_path):
    from service import close, create_app

    _clean_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("PLANDRAFT_LOGIN_ATTEMPTS", "9")
    app = create_app({"LOGIN_ATTEMPTS": 2})
    try:
        assert app.config["LOGIN_ATTEMPTS"] == 2
    finally:
        close(app)


def test_environment_overrides_defaults_and_is_typed():
    values = settings.load(environ={"PLANDRAFT_EMBEDDING_BATCH": "8", "PLANDRAFT_DATA_DIR": "/tmp/x"})
    assert values["EMBEDDING_BATCH"] == 8
    assert values["DATA_DIR"] == "/tmp/x"
    assert values["COLLECTION"] == "plandraft_chunks"


@pytest.mark.parametrize("raw,expected", [(w, True) for w in ("1", "true", "YES", "on")] + [(w, False) for w in ("0", "False", "no", "off")])
def test_booleans_read_yes_and_no(raw, expected):
    assert settings.load(environ={"PLANDRAFT_COOKIE_SECURE": raw})["COOKIE_SECURE"] is expected


def test_bad_value_names_the_variable():
    with pytest.raises(settings.SettingError, match="PLANDRAFT_MAX_FILE_MB"):
        settings.load(environ={"PLANDRAFT_MAX_FILE_MB": "lots"})


def test_backend_and_precision_choices_are_the_embedders():
    from vectorstore.embedder import _SPELLINGS, BACKENDS, PRECISIONS

    assert set(settings.describe("EMBEDDING_BACKEND").choices) == set(BACKENDS)
    assert set(settings.describe("EMBEDDING_PRECISION").choices) == set(PRECISIONS) | set(_SPELLINGS)
