"""The one parser of the progress protocol (labeler.train.events.read_event): typed events, and every other line
reported with a reason instead of raising."""

from __future__ import annotations

import json

import pytest

from labeler.train.events import (
    CancelledEvent,
    EventEmitter,
    NotAnEvent,
    ProgressEvent,
    ResultEvent,
    StageEvent,
    UnknownEvent,
    WorkerDoneEvent,
    encode_event,
    read_event,
)

PROGRESS = {
    "event": "progress",
    "stage": "train",
    "model": "rec",
    "epoch": 1,
    "step": 2,
    "total_steps": 6,
    "loss": 1.5,
    "val_acc": None,
    "eta_s": 3,
}


def test_known_kinds_become_typed_events_and_read_back_as_written():
    event = read_event(json.dumps(PROGRESS))
    assert isinstance(event, ProgressEvent) and event.step == 2 and event.val_acc is None
    assert event.to_dict() == PROGRESS
    assert read_event(b'{"event":"cancelled"}\n') == CancelledEvent()
    stage = read_event('{"event":"stage","stage":"export","message":"m","run_dir":"/r"}')
    assert isinstance(stage, StageEvent) and stage.extra == {"run_dir": "/r"}  # extra keys are kept
    assert stage.to_dict() == {"event": "stage", "stage": "export", "message": "m", "run_dir": "/r"}
    result = {"accepted": True, "version": "v1", "model_dir": None, "reason": "r", "base": {}, "tuned": {}}
    assert read_event(json.dumps({"event": "result", **result})) == ResultEvent(**result)
    done = read_event(encode_event(WorkerDoneEvent("rec", {"steps": 2})))
    assert done == WorkerDoneEvent("rec", {"steps": 2})


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("", "blank"),
        ("warning: a library printed this", "not a JSON object"),
        ('{"event": "progress", "step": 1', "not JSON"),  # cut mid-line
        ("[1, 2]", "not a JSON object"),
        ('{"no_event": 1}', 'no "event"'),
        ('{"event": "progress", "stage": "train"}', 'without "model"'),
        (json.dumps({**PROGRESS, "step": "two"}), 'bad "step"'),
        (json.dumps({**PROGRESS, "step": True}), 'bad "step"'),
        (b"\xff\xfe{garbage", "not a JSON object"),
    ],
)
def test_other_lines_are_reported_not_raised(line, reason):
    event = read_event(line)
    assert isinstance(event, NotAnEvent) and reason in event.reason


def test_an_unknown_kind_is_kept_apart():
    event = read_event('{"event": "thermal", "celsius": 90}')
    assert isinstance(event, UnknownEvent) and event.kind == "thermal"
    assert event.to_dict() == {"event": "thermal", "celsius": 90}


def test_the_emitter_writes_what_the_parser_reads(capsys):
    emit = EventEmitter()
    emit(ProgressEvent("train", "det", 1, 1, 1, float("nan"), None, 0.0))
    out, err = capsys.readouterr()
    event = read_event(out)
    assert isinstance(event, ProgressEvent) and event.model == "det" and event.loss is None
    assert err.startswith("[train] det epoch 1 step 1/1 loss -")
