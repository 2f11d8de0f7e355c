"""Fine-tune configs as JSON: how the training worker gets its RecFinetuneConfig / DetFinetuneConfig
(`--config-json '{"max_steps": 200}'`, or `@FILE`). Unknown keys are errors: a typo would silently do nothing.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from labeler.train.step_report import TrainInputError


def config_from_dict(cls, data: dict, nested: dict[str, type] | None = None):
    """A frozen config dataclass from a JSON object (`nested`: fields that hold a config dataclass themselves)."""
    if not isinstance(data, dict):
        raise TrainInputError(f"{cls.__name__}: expected a JSON object, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise TrainInputError(f"{cls.__name__}: unknown fields {unknown}")
    values = {}
    for key, value in data.items():
        if nested and key in nested:
            value = None if value is None else config_from_dict(nested[key], value)
        elif isinstance(value, list):
            value = tuple(value)  # JSON has no tuples: scale ranges and the like
        values[key] = value
    try:
        return cls(**values)
    except TypeError as exc:
        raise TrainInputError(f"{cls.__name__}: {exc}") from None


def config_to_json(cfg) -> str:
    """The --config-json text for a config dataclass (rec or det)."""
    return json.dumps(dataclasses.asdict(cfg))


def rec_config_from_json(data: dict):
    from labeler.train.rec_data import AugmentParams
    from labeler.train.rec_finetune import RecFinetuneConfig

    return config_from_dict(RecFinetuneConfig, data, {"augment": AugmentParams})


def det_config_from_json(data: dict):
    from labeler.train.det_finetune import DetFinetuneConfig

    return config_from_dict(DetFinetuneConfig, data)


def read_config_arg(text: str | None) -> dict:
    """The JSON object of a --config-json value: inline JSON, or @FILE."""
    if not text:
        return {}
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise TrainInputError(f"{text[1:]}: cannot read the config ({exc})") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise TrainInputError(f"--config-json is not valid JSON ({exc})") from None
