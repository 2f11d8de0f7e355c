"""User settings: a typed schema with defaults; the user's JSON file on top; unknown keys reported, kept.

The file is $XDG_CONFIG_HOME/labeler/settings.json (~/.config/labeler/settings.json); nothing else keeps
user preferences.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from labeler.core.atomic import atomic_write_text
from labeler.core.errors import FileError
from labeler.core.user_dirs import config_dir

LANGUAGES = ("en", "zh_CN")
BUNDLED_MODEL_SETS = ("default", "light")


class SettingsError(FileError):
    """The settings file is unreadable, not a JSON object, or holds a value of the wrong type or range."""


@dataclass(frozen=True)
class Settings:
    language: str = "en"  # one of LANGUAGES
    model_set: str = "default"  # "default", "light", a registered set name, or a model folder / manifest path
    box_thresh: float | None = None  # detection: None = the model set's manifest value
    unclip_ratio: float | None = None
    low_score: float = 0.85  # recognitions under this confidence are highlighted for review
    autosave_delay: float = 1.0  # seconds after the last edit
    kie_mode: bool = False
    prelabel_on_open: bool = True  # opening a folder pre-labels its new images in the background
    read_new_boxes: bool = True  # a drawn box, or one whose shape changed, is read by the recognizer at once
    apply_conventions: bool = True  # box margin and text rules learned from confirmed images go onto pre-labels
    key_class_file: str = ""  # one key class per line; "" = classes typed by the user
    shortcuts: dict[str, list[str]] = field(default_factory=dict)  # action name -> key sequences ("Ctrl+U")
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # unknown keys, written back unchanged

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with `changes`, checked like a loaded file (raises ValueError)."""
        new = replace(self, **changes)
        return replace(new, **{name: _check(name, getattr(new, name)) for name in SCHEMA_KEYS})

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "extra"}
        return {**self.extra, **data}


SCHEMA_KEYS = tuple(f.name for f in fields(Settings) if f.name != "extra")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check(name: str, value: Any) -> Any:
    """The value converted to its schema type; ValueError saying what is expected."""
    if name == "language":
        if value not in LANGUAGES:
            raise ValueError(f"'language' must be one of {', '.join(LANGUAGES)}, not {value!r}")
        return value
    if name in ("model_set", "key_class_file"):
        if not isinstance(value, str) or (name == "model_set" and not value.strip()):
            raise ValueError(f"'{name}' must be a {'non-empty ' if name == 'model_set' else ''}string, not {value!r}")
        return value
    if name in ("box_thresh", "low_score"):
        if value is None and name == "box_thresh":
            return None
        if not _number(value) or not 0.0 <= value <= 1.0:
            raise ValueError(f"'{name}' must be a number from 0 to 1, not {value!r}")
        return float(value)
    if name == "unclip_ratio":
        if value is None:
            return None
        if not _number(value) or not 0.5 <= value <= 5.0:
            raise ValueError(f"'unclip_ratio' must be a number from 0.5 to 5, not {value!r}")
        return float(value)
    if name == "autosave_delay":
        if not _number(value) or not 0.0 <= value <= 60.0:
            raise ValueError(f"'autosave_delay' must be a number of seconds from 0 to 60, not {value!r}")
        return float(value)
    if name in ("kie_mode", "prelabel_on_open", "read_new_boxes", "apply_conventions"):
        if not isinstance(value, bool):
            raise ValueError(f"'{name}' must be true or false, not {value!r}")
        return value
    if name == "shortcuts":
        if not isinstance(value, dict):
            raise ValueError(f"'shortcuts' must be an object of action name -> key list, not {value!r}")
        out: dict[str, list[str]] = {}
        for action, keys in value.items():
            if isinstance(keys, str):
                keys = [keys]
            if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
                raise ValueError(f"'shortcuts.{action}' must be a key string or a list of them, not {keys!r}")
            out[str(action)] = [k for k in keys if k.strip()]
        return out
    raise ValueError(f"unknown setting {name!r}")


def settings_path() -> Path:
    return config_dir() / "settings.json"


@dataclass
class LoadedSettings:
    settings: Settings
    path: Path
    warnings: list[str]  # unknown keys: reported, not fatal
    present: frozenset[str]  # schema keys the file sets (the rest are defaults)


def settings_from_dict(data: Any, path: str | Path = "<settings>") -> LoadedSettings:
    if not isinstance(data, dict):
        raise SettingsError(path, f"must hold a JSON object, not {type(data).__name__}")
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    warnings = []
    for key, value in data.items():
        if key in SCHEMA_KEYS:
            try:
                values[key] = _check(key, value)
            except ValueError as exc:
                raise SettingsError(path, str(exc)) from None
        else:
            extra[key] = value
            warnings.append(f"{path}: unknown setting {key!r} ignored (known: {', '.join(SCHEMA_KEYS)})")
    return LoadedSettings(Settings(**values, extra=extra), Path(path), warnings, frozenset(values))


def load_settings(path: str | Path | None = None) -> LoadedSettings:
    """Defaults with the user's file on top; a missing file is all defaults; a bad one raises SettingsError."""
    path = Path(path) if path is not None else settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadedSettings(Settings(), path, [], frozenset())
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(path, f"cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(path, f"not valid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno) from None
    return settings_from_dict(data, path)


def save_settings(settings: Settings, path: str | Path | None = None) -> Path:
    """Write every setting (and the kept unknown keys) atomically; returns the path."""
    path = Path(path) if path is not None else settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(settings.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    return path
