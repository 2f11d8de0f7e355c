"""The settings schema: defaults, the user file on top, unknown keys reported and kept, typed errors, atomic save."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labeler.core.errors import FileError
from labeler.core.settings import Settings, SettingsError, load_settings, save_settings, settings_path


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    return tmp_path / "cfg" / "labeler" / "settings.json"


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_path_follows_xdg_config_home(config):
    assert settings_path() == config


def test_missing_file_gives_defaults(config):
    loaded = load_settings()
    assert loaded.settings == Settings()
    assert loaded.warnings == [] and loaded.present == frozenset()
    s = loaded.settings
    assert (s.language, s.model_set, s.low_score, s.autosave_delay, s.kie_mode) == ("en", "default", 0.85, 1.0, False)
    assert s.box_thresh is None and s.unclip_ratio is None and s.shortcuts == {}


def test_user_file_on_top_of_defaults(config):
    write(config, {"language": "zh_CN", "low_score": 0.7, "autosave_delay": 2, "shortcuts": {"open": "Ctrl+O"}})
    loaded = load_settings()
    s = loaded.settings
    assert s.language == "zh_CN" and s.low_score == 0.7 and s.autosave_delay == 2.0
    assert isinstance(s.autosave_delay, float)
    assert s.shortcuts == {"open": ["Ctrl+O"]}  # a single key string becomes a list
    assert s.model_set == "default" and s.box_thresh is None  # untouched keys keep their defaults
    assert loaded.present == {"language", "low_score", "autosave_delay", "shortcuts"}


def test_unknown_keys_are_warnings_and_survive_a_save(config):
    write(config, {"language": "en", "colour_theme": "dark", "gpu": True})
    loaded = load_settings()
    assert len(loaded.warnings) == 2
    assert all(str(config) in w for w in loaded.warnings)
    assert any("colour_theme" in w for w in loaded.warnings)
    save_settings(loaded.settings.with_changes(low_score=0.5))
    data = json.loads(config.read_text(encoding="utf-8"))
    assert data["colour_theme"] == "dark" and data["gpu"] is True and data["low_score"] == 0.5


@pytest.mark.parametrize(
    "data, word",
    [
        ({"language": "fr"}, "language"),
        ({"low_score": 1.5}, "low_score"),
        ({"low_score": "high"}, "low_score"),
        ({"box_thresh": True}, "box_thresh"),
        ({"unclip_ratio": 50}, "unclip_ratio"),
        ({"autosave_delay": -1}, "autosave_delay"),
        ({"kie_mode": "yes"}, "kie_mode"),
        ({"model_set": ""}, "model_set"),
        ({"shortcuts": ["Ctrl+O"]}, "shortcuts"),
        ({"shortcuts": {"open": 3}}, "shortcuts.open"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_values_raise_a_typed_error_naming_the_file(config, data, word):
    write(config, data)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert isinstance(info.value, FileError)
    assert info.value.path == str(config)
    assert str(config) in str(info.value) and word in str(info.value)


def test_broken_json_names_file_and_line(config):
    write(config, '{\n  "language": "en",\n  oops\n}')
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert info.value.line == 3 and f"{config}:3" in str(info.value)


def test_save_roundtrip_is_atomic_and_creates_the_folder(config):
    s = Settings(
        language="zh_CN",
        model_set="/models/mine",
        box_thresh=0.4,
        unclip_ratio=2.0,
        kie_mode=True,
        key_class_file="/data/classes.txt",
        shortcuts={"confirm": ["Ctrl+Return"]},
    )
    assert save_settings(s) == config
    assert load_settings().settings == s
    assert [p.name for p in config.parent.iterdir()] == ["settings.json"]  # no temp file left behind
    assert "zh_CN" in config.read_text(encoding="utf-8")


def test_with_changes_checks_and_converts():
    s = Settings().with_changes(autosave_delay=3, box_thresh=None)
    assert s.autosave_delay == 3.0 and isinstance(s.autosave_delay, float)
    with pytest.raises(ValueError, match="language"):
        Settings().with_changes(language="de")


def test_settings_module_has_no_qt():
    import labeler.core.settings as mod

    assert "PyQt5" not in Path(mod.__file__).read_text(encoding="utf-8")
