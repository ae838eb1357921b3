"""Every setting is declared once and documented in the README."""
from __future__ import annotations

from pathlib import Path

import pytest

from plandraft import settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", settings.SETTINGS, ids=lambda s: s.name)
def test_setting_is_documented_in_readme(setting):
    assert f"`{setting.env_name}`" in README


def test_environment_overrides_defaults_and_is_typed():
    values = settings.load(environ={"PLANDRAFT_EMBEDDING_BATCH": "8", "PLANDRAFT_DATA_DIR": "/tmp/x"})
    assert values["EMBEDDING_BATCH"] == 8
    assert values["DATA_DIR"] == "/tmp/x"
    assert values["COLLECTION"] == "plandraft_chunks"


def test_bad_value_names_the_variable():
    with pytest.raises(settings.SettingError, match="PLANDRAFT_MAX_FILE_MB"):
        settings.load(environ={"PLANDRAFT_MAX_FILE_MB": "lots"})
