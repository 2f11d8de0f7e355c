"""The PaddleOCR engine: generated configs, exact argument lists, checkout / GPU / weights checks, and run().

The real check here is the configs and the argument lists. PaddleOCR itself (a GPU, paddlepaddle-gpu, a git
checkout, paddle2onnx) cannot be in CI, so the end-to-end tests run run() against a fake checkout made in
tmp_path (tests/train/paddleocr_fakes.py): tools/train.py, tools/export_model.py, a `paddle` package (the
preflight's import and `-m paddle.distributed.launch`) and a `paddle2onnx` executable on PATH are small
Python test doubles that check what the real programs would need (every label list and image reachable
from data_dir, the pretrained weights and dictionary present, the checkpoint an export is given) and write
the files the real ones write (best_accuracy.pdparams, inference.*, an ONNX file: a bundled model copied).
They record their argv, cwd and CUDA_VISIBLE_DEVICES, which the tests compare with plan_commands().
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from labeler.ocr.registry import resolve_model_set, user_models_dir, verify_model_set
from labeler.train.paddleocr_configs import (
    REC_SCALES,
    make_settings,
    rec_batches_per_epoch,
    to_yaml,
)
from labeler.train.paddleocr_configs import config_text as make_config_text
from labeler.train.paddleocr_engine import (
    PaddleOCRCheckoutError,
    PaddleOCRSetupError,
    RunLayout,
    parse_gpus,
    parse_log_line,
    plan_commands,
    resolve_pretrained,
    run,
    validate_checkout,
)
from tests.train.paddleocr_fakes import (
    FAKE_ENV,
    V4_DET,
    V4_DICT,
    V4_REC,
    bare_checkout,
    make_fake_checkout,
    make_project,
    read_records,
    read_yaml,
    write_file,
)

PY = sys.executable


# ------------------------------------------------------------------------------ YAML writer and configs


def test_yaml_round_trip_of_awkward_values():
    data = {
        "yes_word": "yes",
        "Off": "Off",
        "sci_string": "1e-05",
        "small": 1e-05,
        "l2": 3.0e-05,
        "big": 1e20,
        "neg": -0.5,
        "int": 7,
        "zero": 0,
        "path": "/tmp/a b/c: d #e",
        "chinese": "中文路径",
        "tab": "a\tb",
        "quote": 'say "hi" \\ bye',
        "bell": "\x07",
        "emoji": "😀",
        "bom": "\ufeffx",
        "empty": "",
        "time": "12:30",
        "hash": "#x",
        "dash": "-x",
        "flow": [1, 2.5, "x y", None, True],
        "nested": [[320, 32], [320, 48]],
        "none": None,
        "t": True,
        "f": False,
        "empty_list": [],
        "empty_map": {},
        "transforms": [
            {"DecodeImage": {"img_mode": "BGR", "channel_first": False}},
            {"RecAug": None},
            {"KeepKeys": {"keep_keys": ["image", "label"]}},
            {"A": 1, "B": [{"C": "d"}]},
        ],
        "deep": {"a": {"b": {"c": [{"x": {"y": 1}}]}}},
        "key with space": 1,
        "yes": "key that YAML would read as true",
    }
    text = to_yaml(data, ["first comment", "second"])
    assert text.startswith("# first comment\n# second\n")
    assert "small: 1.0e-05\n" in text and "l2: 3.0e-05\n" in text  # PyYAML reads '1e-05' as a string
    assert 'sci_string: "1e-05"' in text and 'yes_word: "yes"' in text and '"yes": ' in text
    assert read_yaml(text) == data


def test_yaml_writer_rejects_what_it_cannotwrite_file():
    with pytest.raises(TypeError):
        to_yaml({"x": object()})
    with pytest.raises(TypeError):
        to_yaml({1: "non-string key"})


def _rec_settings(tmp_path: Path, train: int = 300, gpus: int = 1, epochs: int = 100, pretrained=None):
    export = tmp_path / "run" / "export"
    return make_settings("rec", export, tmp_path / "run", train, gpus, epochs, pretrained, V4_DICT)


def test_rec_config_points_at_the_export(tmp_path):
    weights = tmp_path / "w" / "student"
    s = _rec_settings(tmp_path, train=300, pretrained=weights)
    cfg = read_yaml(make_config_text(s, ["labeler train /p"]))
    run_dir, export = tmp_path / "run", tmp_path / "run" / "export"
    g = cfg["Global"]
    assert g["pretrained_model"] == str(weights)
    assert g["character_dict_path"] == str(V4_DICT)
    assert g["max_text_length"] == 25 and g["use_space_char"] is True and g["use_gpu"] is True
    assert g["save_model_dir"] == str(run_dir / "output" / "rec")
    assert g["save_inference_dir"] == str(run_dir / "inference" / "rec")
    assert g["epoch_num"] == 100 and g["distributed"] is False
    for part, name in (("Train", "train"), ("Eval", "val")):
        assert cfg[part]["dataset"]["data_dir"] == str(export)
        assert cfg[part]["dataset"]["label_file_list"] == [str(export / "rec" / f"{name}.txt")]
    # upstream hard-codes ppocr/utils/ppocr_keys_v1.txt in Eval's label encoder: it must be ours too
    encoder = next(t["MultiLabelEncode"] for t in cfg["Eval"]["dataset"]["transforms"] if "MultiLabelEncode" in t)
    assert encoder["character_dict_path"] == str(V4_DICT)
    assert cfg["Train"]["loader"]["batch_size_per_card"] == 128 == cfg["Train"]["sampler"]["first_bs"]
    assert cfg["Train"]["sampler"]["scales"] == [list(s) for s in REC_SCALES]
    assert cfg["Optimizer"]["lr"]["learning_rate"] == pytest.approx(1e-4)
    assert cfg["Architecture"]["algorithm"] == "SVTR_LCNet"
    assert cfg["Architecture"]["Backbone"] == {"name": "PPLCNetV3", "scale": 0.95}
    heads = cfg["Architecture"]["Head"]["head_list"]
    assert list(heads[0]) == ["CTCHead"] and heads[1]["NRTRHead"]["max_text_length"] == 25
    assert cfg["Loss"]["loss_config_list"] == [{"CTCLoss": None}, {"NRTRLoss": None}]
    start, every = g["eval_batch_step"]
    assert start == 0 and every == s.steps_per_epoch * 10


def test_rec_config_without_weights_and_on_two_gpus(tmp_path):
    s = _rec_settings(tmp_path, train=40, gpus=2, epochs=5)
    cfg = read_yaml(make_config_text(s))
    assert cfg["Global"]["pretrained_model"] is None and cfg["Global"]["distributed"] is True
    assert cfg["Train"]["loader"]["batch_size_per_card"] == 20  # capped by the 20 crops each card sees
    assert cfg["Optimizer"]["lr"]["learning_rate"] == pytest.approx(1e-4 * 40 / 128, rel=1e-2)
    assert cfg["Global"]["eval_batch_step"] == [0, s.steps_per_epoch]  # short runs evaluate every epoch


def test_det_config_points_at_the_export(tmp_path):
    export, weights = tmp_path / "run" / "export", tmp_path / "w" / "best_accuracy"
    s = make_settings("det", export, tmp_path / "run", 3, 1, 50, weights)
    cfg = read_yaml(make_config_text(s))
    assert cfg["Global"]["pretrained_model"] == str(weights) and "character_dict_path" not in cfg["Global"]
    assert cfg["Global"]["save_model_dir"] == str(tmp_path / "run" / "output" / "det")
    assert cfg["Train"]["dataset"]["label_file_list"] == [str(export / "det" / "train.txt")]
    assert cfg["Eval"]["dataset"]["label_file_list"] == [str(export / "det" / "val.txt")]
    assert cfg["Train"]["dataset"]["data_dir"] == cfg["Eval"]["dataset"]["data_dir"] == str(export)
    assert cfg["Train"]["loader"]["batch_size_per_card"] == 3
    transforms = {k: v for t in cfg["Train"]["dataset"]["transforms"] for k, v in t.items()}
    assert transforms["EastRandomCropData"]["size"] == [640, 640]
    assert transforms["MakeBorderMap"]["total_epoch"] == 50 == transforms["MakeShrinkMap"]["total_epoch"]
    assert transforms["NormalizeImage"]["scale"] == "1./255."
    assert cfg["Architecture"]["Backbone"] == {"name": "PPLCNetV3", "scale": 0.75, "det": True}
    assert cfg["Optimizer"]["lr"]["learning_rate"] == pytest.approx(1e-4 * 3 / 8, rel=1e-2)


@pytest.mark.parametrize("samples,gpus", [(1, 1), (7, 1), (128, 1), (1000, 1), (1000, 4), (3, 8)])
def test_every_run_reaches_an_evaluation(tmp_path, samples, gpus):
    for epochs in (1, 3, 10, 100):
        s = _rec_settings(tmp_path, train=samples, gpus=gpus, epochs=epochs)
        assert 1 <= s.eval_interval <= s.steps_per_epoch * epochs  # else no best_accuracy is ever saved
        # the sampler's loop (ppocr/data/multi_scale_sampler.py): one batch per scale until the data is used
        sizes = [int(max(1, 320 * 32 * s.batch_size / (w * h))) for w, h in REC_SCALES]
        current, batches, per_card = 0, 0, max(1, samples // gpus)
        while current < per_card:
            for size in sizes:
                batches += 1
                current += size
        assert rec_batches_per_epoch(per_card, s.batch_size) == batches == s.steps_per_epoch


# ------------------------------------------------------------------------------ argument lists


def test_plan_on_one_gpu(tmp_path):
    layout, checkout = RunLayout(tmp_path / "run"), Path("/opt/PaddleOCR")
    plan = plan_commands(layout, checkout, ["rec"], (1,), "/env/bin/python")
    assert [c.name for c in plan] == ["preflight", "train-rec", "export-rec", "onnx-rec"]
    _, train, export, onnx = plan
    cfg = str(tmp_path / "run" / "configs" / "rec.yml")
    assert list(train.argv) == ["/env/bin/python", "tools/train.py", "-c", cfg, "-o", "Global.use_gpu=True"]
    assert train.cwd == checkout and dict(train.env) == {"CUDA_VISIBLE_DEVICES": "1"}
    assert list(export.argv) == [
        "/env/bin/python",
        "tools/export_model.py",
        "-c",
        cfg,
        "-o",
        f"Global.pretrained_model={tmp_path / 'run' / 'output' / 'rec' / 'best_accuracy'}",
        f"Global.save_inference_dir={tmp_path / 'run' / 'inference' / 'rec'}",
    ]
    assert export.cwd == checkout and dict(export.env) == {"CUDA_VISIBLE_DEVICES": "1"}
    assert list(onnx.argv) == [
        "paddle2onnx",
        "--model_dir",
        str(tmp_path / "run" / "inference" / "rec"),
        "--model_filename",
        "inference.pdmodel",
        "--params_filename",
        "inference.pdiparams",
        "--save_file",
        str(tmp_path / "run" / "onnx" / "rec.onnx"),
        "--opset_version",
        "11",
        "--enable_onnx_checker",
        "True",
    ]
    assert onnx.produces == (tmp_path / "run" / "onnx" / "rec.onnx",)
    assert train.shell_line() == (
        f"cd /opt/PaddleOCR && CUDA_VISIBLE_DEVICES=1 /env/bin/python tools/train.py -c {cfg} -o Global.use_gpu=True"
    )


def test_plan_on_two_gpus_with_det(tmp_path):
    layout, checkout = RunLayout(tmp_path / "run"), Path("/opt/PaddleOCR")
    plan = plan_commands(layout, checkout, ["rec", "det"], parse_gpus("0,1"), "python3")
    assert [c.name for c in plan] == [
        "preflight",
        "train-rec",
        "export-rec",
        "onnx-rec",
        "train-det",
        "export-det",
        "onnx-det",
    ]
    train_det = plan[4]
    assert list(train_det.argv) == [
        "python3",
        "-m",
        "paddle.distributed.launch",
        "--gpus",
        "0,1",
        "--log_dir",
        str(tmp_path / "run" / "launch-log" / "det"),
        "tools/train.py",
        "-c",
        str(tmp_path / "run" / "configs" / "det.yml"),
        "-o",
        "Global.use_gpu=True",
    ]
    assert dict(train_det.env) == {}  # launch picks the cards itself
    assert dict(plan[5].env) == {"CUDA_VISIBLE_DEVICES": "0"}  # the export needs one card


@pytest.mark.parametrize("spec,expected", [(None, (0,)), ("", (0,)), ("3", (3,)), ("0,1", (0, 1)), (" 2, 5 ", (2, 5))])
def test_parse_gpus(spec, expected):
    assert parse_gpus(spec) == expected


@pytest.mark.parametrize("spec", ["a", "0,,1", "-1", "0,0", "0;1"])
def test_parse_gpus_rejects(spec):
    with pytest.raises(PaddleOCRSetupError, match="--gpus"):
        parse_gpus(spec)


# ------------------------------------------------------------------------------ checkout and weights


@pytest.mark.parametrize(
    "missing", ["tools/train.py", "tools/export_model.py", "configs", "ppocr/modeling/backbones/rec_lcnetv3.py"]
)
def test_checkout_errors_name_what_is_missing(tmp_path, missing):
    root = bare_checkout(tmp_path / "PaddleOCR")
    assert validate_checkout(root) == root.resolve()
    target = root / missing
    if target.is_dir():
        import shutil

        shutil.rmtree(target)
    else:
        target.unlink()
    with pytest.raises(PaddleOCRCheckoutError) as info:
        validate_checkout(root)
    assert info.value.path == str(target.resolve())
    with pytest.raises(PaddleOCRCheckoutError, match="not a folder"):
        validate_checkout(tmp_path / "nowhere")


def test_pretrained_file_folder_and_errors(tmp_path):
    rec_file = write_file(tmp_path / "w1" / "my_rec.pdparams")
    assert resolve_pretrained(rec_file, ["rec"]) == {"rec": rec_file.with_suffix("")}
    assert resolve_pretrained(rec_file.with_suffix(""), ["rec", "det"]) == {
        "rec": rec_file.with_suffix(""),
        "det": None,
    }
    folder = tmp_path / "w2"
    student = write_file(folder / "ch_PP-OCRv4_rec_train" / "student.pdparams")
    write_file(folder / "ch_PP-OCRv4_rec_train" / "iter_epoch_3.pdparams")
    det_best = write_file(folder / "ch_PP-OCRv4_det_train" / "best_accuracy.pdparams")
    assert resolve_pretrained(folder, ["rec", "det"]) == {
        "rec": student.with_suffix(""),
        "det": det_best.with_suffix(""),
    }
    write_file(folder / "other_det" / "best_accuracy.pdparams")
    with pytest.raises(PaddleOCRSetupError, match="several det weights"):
        resolve_pretrained(folder, ["rec", "det"])
    with pytest.raises(PaddleOCRSetupError, match="not found"):
        resolve_pretrained(tmp_path / "missing.pdparams", ["rec"])
    with pytest.raises(PaddleOCRSetupError, match=r"\.pdparams file"):
        resolve_pretrained(write_file(tmp_path / "weights.tar"), ["rec"])
    with pytest.raises(PaddleOCRSetupError, match="no \\*.pdparams"):
        resolve_pretrained(write_file(tmp_path / "empty" / "readme.txt").parent, ["rec"])


def test_log_lines_become_numbers():
    train = (
        "[2026/11/21 10:00:00] ppocr INFO: epoch: [3/100], global_step: 140, lr: 0.000100, acc: 0.906250, "
        "norm_edit_dis: 0.97, CTCLoss: 0.3, NRTRLoss: 0.9, loss: 1.234567, avg_reader_cost: 0.01 s, "
        "avg_batch_cost: 0.2 s, avg_samples: 128.0, ips: 640.0 samples/s, eta: 1 day, 2:03:04, "
        "max_mem_reserved: 1234 MB"
    )
    assert parse_log_line(train) == {
        "kind": "train",
        "epoch": 3,
        "epochs": 100,
        "step": 140,
        "loss": 1.234567,
        "acc": 0.90625,
        "eta_s": 93784.0,
    }
    det = "[2026/11/21] ppocr INFO: cur metric, precision: 0.8, recall: 0.6, hmean: 0.6857, fps: 12.5"
    assert parse_log_line(det) == {
        "kind": "eval",
        "metrics": {"precision": 0.8, "recall": 0.6, "hmean": 0.6857, "fps": 12.5},
    }
    assert parse_log_line("ppocr INFO: save model in ./output/rec/latest") is None


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A fake PaddleOCR checkout, paddle2onnx on PATH, a user config folder, and the record of what ran."""
    root = make_fake_checkout(tmp_path / "PaddleOCR", tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("FAKE_RECORD", str(tmp_path / "record.jsonl"))
    for name in FAKE_ENV:
        monkeypatch.delenv(name, raising=False)
    return root


def _records(tmp_path: Path) -> list[dict]:
    return read_records(tmp_path / "record.jsonl")


def _run(project, checkout, events, **kw):
    kw.setdefault("gpus", None)
    kw.setdefault("pretrained", None)
    kw.setdefault("det", False)
    logs: list[str] = []
    rc = run(project, checkout, emit=events.append, export_workers=1, log=logs.append, **kw)
    return rc, logs


def _only_run_dir(project: Path) -> Path:
    runs = sorted((project / ".labeler" / "runs").iterdir())
    assert len(runs) == 1
    return runs[0]


# ------------------------------------------------------------------------------ run() end to end


def test_rec_run_on_one_gpu_registers_a_model_set(tmp_path, fake):
    project = make_project(tmp_path)
    weights = write_file(tmp_path / "weights" / "ch_PP-OCRv4_rec_train" / "student.pdparams", "w")
    events: list[dict] = []
    rc, logs = _run(project, fake, events, pretrained=weights, gpus="1", epochs={"rec": 2})
    assert rc == 0, events[-1]
    run_dir = _only_run_dir(project)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "result" and "error" not in kinds
    assert events[0]["engine"] == "paddleocr" and events[0]["nproc"] == 1
    assert {e["stage"] for e in events if e["event"] == "stage"} == {"export", "train", "install"}
    progress = next(e for e in events if e["event"] == "progress")
    assert progress == {
        "event": "progress",
        "stage": "train",
        "model": "rec",
        "epoch": 1,
        "step": 2,
        "total_steps": progress["total_steps"],
        "loss": 3.5,
        "val_acc": None,
        "eta_s": 5.0,
    }
    assert progress["total_steps"] >= 2
    validate = next(e for e in events if e["event"] == "validate")
    assert validate["model"] == "rec" and validate["val_acc"] == 0.5
    assert any(line.startswith("[train-rec] [2026/11/21") for line in logs)  # the child's lines, forwarded

    plan = {c["name"]: c for c in json.loads((run_dir / "commands.json").read_text("utf-8"))}
    train, export, onnx = (r for r in _records(tmp_path) if r["tool"] in ("train", "export", "paddle2onnx"))
    assert train["argv"][0].endswith("tools/train.py") and train["argv"][1:] == plan["train-rec"]["argv"][2:]
    assert Path(train["cwd"]) == fake.resolve() and train["cuda"] == "1" and train["launch_gpus"] is None
    assert export["argv"][1:] == plan["export-rec"]["argv"][2:] and export["cuda"] == "1"
    assert f"Global.pretrained_model={run_dir / 'output' / 'rec' / 'best_accuracy'}" in export["argv"]
    assert onnx["argv"] == plan["onnx-rec"]["argv"][1:]

    cfg = read_yaml((run_dir / "configs" / "rec.yml").read_text("utf-8"))
    assert cfg["Global"]["pretrained_model"] == str(weights.with_suffix(""))
    assert cfg["Global"]["epoch_num"] == 2
    assert not (run_dir / "configs" / "det.yml").exists()

    result = events[-1]
    assert result["accepted"] is True and result["paddleocr_best"]["rec"]["acc"] == 0.5
    model_set = resolve_model_set(result["version"])
    verify_model_set(model_set)
    assert model_set.folder == user_models_dir() / result["version"] == Path(result["model_dir"])
    assert model_set.rec.path == (model_set.folder / "rec.onnx").resolve()
    assert model_set.rec.path.read_bytes() == V4_REC.read_bytes()  # what the (fake) paddle2onnx wrote
    assert model_set.det.path == V4_DET.resolve()  # only rec was trained: the base set's detector
    assert model_set.rec.dict_path.read_text("utf-8") == V4_DICT.read_text("utf-8")


def test_det_run_on_two_gpus_with_pir_export_and_latest_checkpoint(tmp_path, fake, monkeypatch):
    monkeypatch.setenv("FAKE_PIR", "1")
    monkeypatch.setenv("FAKE_NO_BEST", "det")
    project = make_project(tmp_path)
    weights = tmp_path / "weights"
    rec_w = write_file(weights / "ch_PP-OCRv4_rec_train" / "student.pdparams", "w")
    det_w = write_file(weights / "ch_PP-OCRv4_det_train" / "best_accuracy.pdparams", "w")
    events: list[dict] = []
    rc, _ = _run(project, fake, events, pretrained=weights, gpus="0,1", det=True, epochs={"rec": 1, "det": 1})
    assert rc == 0, events[-1]
    run_dir = _only_run_dir(project)
    records = _records(tmp_path)
    launches = [r for r in records if r["tool"] == "launch"]
    assert [r["argv"][:4] for r in launches] == [
        ["--gpus", "0,1", "--log_dir", str(run_dir / "launch-log" / k)] for k in ("rec", "det")
    ]
    trains = [r for r in records if r["tool"] == "train"]
    assert [r["launch_gpus"] for r in trains] == ["0,1", "0,1"] and [r["cuda"] for r in trains] == [None, None]
    exports = [r for r in records if r["tool"] == "export"]
    assert f"Global.pretrained_model={run_dir / 'output' / 'det' / 'latest'}" in exports[1]["argv"]
    onnx = [r for r in records if r["tool"] == "paddle2onnx"]
    assert [r["argv"][r["argv"].index("--model_filename") + 1] for r in onnx] == ["inference.json"] * 2

    det_cfg = read_yaml((run_dir / "configs" / "det.yml").read_text("utf-8"))
    rec_cfg = read_yaml((run_dir / "configs" / "rec.yml").read_text("utf-8"))
    assert det_cfg["Global"]["pretrained_model"] == str(det_w.with_suffix(""))
    assert rec_cfg["Global"]["pretrained_model"] == str(rec_w.with_suffix(""))
    assert det_cfg["Global"]["distributed"] is True and rec_cfg["Global"]["distributed"] is True

    model_set = resolve_model_set(events[-1]["version"])
    verify_model_set(model_set)
    assert model_set.det.path == (model_set.folder / "det.onnx").resolve()
    assert model_set.det.path.read_bytes() == V4_DET.read_bytes()
    assert events[-1]["paddleocr_best"]["det"]["hmean"] == 0.545


def test_dry_run_writes_configs_and_runs_nothing(tmp_path, fake):
    project = make_project(tmp_path)
    events: list[dict] = []
    rc, logs = _run(project, fake, events, det=True, dry_run=True)
    assert rc == 0 and _records(tmp_path) == []
    run_dir = _only_run_dir(project)
    planned = events[-1]
    assert planned["event"] == "stage" and planned["message"].startswith("dry run")
    expected = [c.to_json() for c in plan_commands(RunLayout(run_dir), fake.resolve(), ["rec", "det"], (0,), PY)]
    assert planned["commands"] == expected == json.loads((run_dir / "commands.json").read_text("utf-8"))
    assert logs[-len(expected) :] == [
        c.shell_line() for c in plan_commands(RunLayout(run_dir), fake.resolve(), ["rec", "det"], (0,), PY)
    ]
    for kind in ("rec", "det"):
        cfg = read_yaml((run_dir / "configs" / f"{kind}.yml").read_text("utf-8"))
        train_list = Path(cfg["Train"]["dataset"]["label_file_list"][0])
        assert train_list == run_dir / "export" / kind / "train.txt" and train_list.stat().st_size > 0
    assert not user_models_dir().exists()


def test_failed_step_reports_the_command_and_keeps_the_run(tmp_path, fake, monkeypatch):
    monkeypatch.setenv("FAKE_TRAIN_FAIL", "1")
    project = make_project(tmp_path)
    events: list[dict] = []
    rc, _ = _run(project, fake, events)
    assert rc == 1
    error = events[-1]
    run_dir = _only_run_dir(project)
    assert error["event"] == "error" and error["returncode"] == 3
    assert error["command"] == [
        PY,
        "tools/train.py",
        "-c",
        str(run_dir / "configs" / "rec.yml"),
        "-o",
        "Global.use_gpu=True",
    ]
    assert error["log_tail"][-1] == "RuntimeError: boom" and str(run_dir) in error["message"]
    assert not user_models_dir().exists()


@pytest.mark.parametrize(
    "env,gpus,match",
    [
        ({"FAKE_CUDA": "0"}, None, "CPU build"),
        ({"FAKE_GPUS": "1"}, "0,1", "paddle sees 1 GPU"),
        ({"PATH": ""}, None, "paddle2onnx not found"),
    ],
)
def test_preflight_stops_before_training(tmp_path, fake, monkeypatch, env, gpus, match):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    events: list[dict] = []
    project = make_project(tmp_path)
    rc, _ = _run(project, fake, events, gpus=gpus)
    assert rc == 1 and events[-1]["event"] == "error" and match in events[-1]["message"]
    assert [r["tool"] for r in _records(tmp_path)] == []  # no training started
    assert not (project / ".labeler").exists()  # checked before the export


def test_bad_checkout_is_an_error_event(tmp_path, fake):
    (fake / "tools" / "export_model.py").unlink()
    events: list[dict] = []
    project = make_project(tmp_path)
    rc, _ = _run(project, fake, events)
    assert rc == 1 and events == [{"event": "error", "message": events[0]["message"]}]
    assert "tools/export_model.py" in events[0]["message"] and not (project / ".labeler").exists()


@pytest.mark.parametrize("how", ["should_stop", "sigterm"])
def test_cancel_ends_the_child_and_deletes_the_run(tmp_path, fake, monkeypatch, how):
    monkeypatch.setenv("FAKE_TRAIN_SLEEP", "60")
    monkeypatch.setenv("FAKE_IGNORE_TERM", "1")  # forces the SIGKILL after the grace period
    project = make_project(tmp_path)

    def sleeping() -> bool:
        return any(r.get("sleeping") for r in _records(tmp_path))

    kw = {}
    before = signal.getsignal(signal.SIGTERM)
    if how == "should_stop":
        kw["should_stop"] = sleeping
    else:

        def send_term():
            while not sleeping():
                time.sleep(0.05)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=send_term, daemon=True).start()
    events: list[dict] = []
    started = time.monotonic()
    rc, _ = _run(project, fake, events, grace_s=0.5, **kw)
    assert rc == 130 and events[-1] == {"event": "cancelled"}
    assert time.monotonic() - started < 30
    assert not (project / ".labeler" / "runs").exists() or not any((project / ".labeler" / "runs").iterdir())
    pid = next(r["pid"] for r in _records(tmp_path) if r.get("sleeping"))
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert signal.getsignal(signal.SIGTERM) == before
    assert not user_models_dir().exists()
