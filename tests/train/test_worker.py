"""The training worker (labeler.train.worker) and the recognizer step it runs: export folder -> tuned ONNX file, protocol events, cancel writes nothing, config JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from labeler.core.errors import Cancelled  # noqa: E402
from labeler.train.config_json import config_to_json, rec_config_from_json  # noqa: E402
from labeler.train.events import ErrorEvent, read_event  # noqa: E402
from labeler.train.rec_finetune import RecFinetuneConfig  # noqa: E402
from labeler.train.rec_train import train_rec  # noqa: E402
from labeler.train.step_report import TrainInputError  # noqa: E402
from tests.train.train_helpers import REPO, V6_DICT, V6_REC, ort_session, small_rec_export, text_crop  # noqa: E402

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return small_rec_export(tmp_path_factory.mktemp("export"), n_val=4, val_degrade=0.25)


def test_train_rec_writes_a_tuned_model(export, tmp_path):
    events = []
    cfg = RecFinetuneConfig(batch_size=8, max_steps=2, augment=None)
    out = tmp_path / "models" / "rec.onnx"
    summary = train_rec(export, V6_REC, V6_DICT, out, cfg, events.append, lambda: False)

    assert summary["steps"] == 2 and summary["stopped"] == "max_steps"
    assert summary["train_samples"] == 16 and summary["val_samples"] == 4
    assert summary["improved"] and summary["best_val_loss"] < summary["base_val_loss"]
    assert summary["changed_tensors"] > 100
    progress = [e for e in events if e["event"] == "progress"]
    assert [e["step"] for e in progress] == [1, 2]
    assert all(e["model"] == "rec" and e["stage"] == "train" and e["total_steps"] == 2 for e in progress)
    assert all(np.isfinite(e["loss"]) and e["val_acc"] == summary["base_val_acc"] for e in progress)
    validates = [e for e in events if e["event"] == "validate"]
    assert [e["step"] for e in validates] == [0, 2]  # the base model, then the end of epoch 1 (2 steps)
    assert set(validates[0]) == {"event", "model", "epoch", "step", "val_loss", "val_acc"}

    x = np.ascontiguousarray(np.random.default_rng(0).uniform(-1, 1, (1, 3, 48, 320)).astype(np.float32))
    tuned, base = ort_session(out), ort_session(V6_REC)
    name = tuned.get_inputs()[0].name
    y_tuned, y_base = tuned.run(None, {name: x})[0], base.run(None, {name: x})[0]
    assert y_tuned.shape == y_base.shape
    assert np.abs(y_tuned - y_base).max() > 1e-4
    assert [p.name for p in out.parent.iterdir()] == ["rec.onnx"]  # no temp file left


def test_cancel_writes_nothing(export, tmp_path):
    polls = []

    def stop_at_second_poll():
        polls.append(1)
        return len(polls) >= 2

    out = tmp_path / "rec.onnx"
    with pytest.raises(Cancelled):
        train_rec(
            export,
            V6_REC,
            V6_DICT,
            out,
            RecFinetuneConfig(batch_size=4, max_steps=3, augment=None),
            lambda e: None,
            stop_at_second_poll,
        )
    assert list(tmp_path.iterdir()) == []


def test_config_json_round_trip_and_typos():
    cfg = RecFinetuneConfig(lr=2e-5, max_steps=7, augment=RecFinetuneConfig().augment)
    assert rec_config_from_json(json.loads(config_to_json(cfg))) == cfg
    assert rec_config_from_json({"augment": None}).augment is None
    with pytest.raises(TrainInputError, match="learning_rate"):
        rec_config_from_json({"learning_rate": 1e-4})


def test_cli_error_is_one_json_line(tmp_path):
    crop = tmp_path / "c.png"
    import cv2

    cv2.imwrite(str(crop), text_crop("x"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "labeler.train.worker",
            "--export",
            str(tmp_path),
            "--base",
            str(V6_REC),
            "--dict",
            str(V6_DICT),
            "--out",
            str(tmp_path / "o.onnx"),
            "--threads",
            "1",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and isinstance(error := read_event(lines[0]), ErrorEvent)
    assert "train.txt" in error.message
    assert not (tmp_path / "o.onnx").exists()
