"""The progress protocol encoder / parser, the human progress line, and the acceptance gate's rule."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

from labeler.train.evaluate import Evaluation
from labeler.train.events import EventEmitter, encode_event, human_line, parse_event
from labeler.train.gate import decide


def test_events_are_one_json_line_each_and_json_safe():
    out, err = io.StringIO(), io.StringIO()
    emit = EventEmitter(out, err)
    emit(
        {
            "event": "progress",
            "stage": "train",
            "model": "rec",
            "epoch": 2,
            "step": np.int64(140),
            "total_steps": 600,
            "loss": np.float32(0.412),
            "val_acc": math.nan,
            "eta_s": 400.0,
        }
    )
    emit.stage("export", "tab\there\nnewline")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["step"] == 140 and first["val_acc"] is None and first["loss"] == pytest.approx(0.412)
    assert json.loads(lines[1])["message"] == "tab\there\nnewline"
    assert err.getvalue().splitlines() == [
        "[train] rec epoch 2 step 140/600 loss 0.412 val_acc - ETA 6:40",
        "[export] tab\there newline",
    ]
    with pytest.raises(ValueError):
        encode_event({"event": "bogus"})


def test_parse_event_ignores_everything_else():
    assert parse_event('{"event":"cancelled"}\n') == {"event": "cancelled"}
    assert parse_event(b'{"event":"stage","stage":"train","message":""}') == {
        "event": "stage",
        "stage": "train",
        "message": "",
    }
    for junk in ("", "warning: x", "{not json", '{"no_event": 1}', '{"event": "worker_done"}', "[1, 2]"):
        assert parse_event(junk) is None


def test_human_lines_for_metrics_and_result():
    line = human_line(
        {
            "event": "metrics",
            "which": "tuned",
            "split": "test",
            "images": 12,
            "metrics": {"zero_edit": 0.8123, "rec_acc": 0.9},
        }
    )
    assert line == "[metrics] tuned on 12 test image(s): rec_acc 0.900 zero_edit 0.812"
    assert (
        human_line({"event": "result", "accepted": True, "version": "v3", "reason": "r"})
        == "[result] accepted as v3: r"
    )
    assert human_line({"event": "progress", "step": 1, "eta_s": 3725}).endswith("ETA 1:02:05")


def _ev(zero_edit: float, rec_acc: float = 0.5) -> Evaluation:
    metrics = {"zero_edit": zero_edit, "rec_acc": rec_acc}
    return Evaluation(metrics, metrics, {}, 3)


def test_gate_needs_a_strict_zero_edit_gain():
    assert decide(_ev(0.48), _ev(0.81), "test", 12).accepted
    tie = decide(_ev(0.5), _ev(0.5, rec_acc=0.9), "test", 12)
    assert not tie.accepted and "not better" in tie.reason
    worse = decide(_ev(0.5), _ev(0.49), "val", 3)
    assert not worse.accepted and "on 3 val image(s)" in worse.reason
    none = decide(None, None, "test", 0)
    assert not none.accepted and "no held-out images" in none.reason
