"""DB detector fine-tune: shrink-map targets, crops that match their targets, a few steps on the v4 detector."""

from __future__ import annotations

import tempfile

import numpy as np
import pytest

from labeler.ocr.det import DetParams
from labeler.train.det_data import (
    CropParams,
    DetSample,
    polygon_area_perimeter,
    random_crop,
    read_det_list,
    shrink_polygon,
    shrink_targets,
)
from tests.train.train_helpers import V4_DET, ort_session, write_det_export

SMALL = {"limit_side_len": 320, "crop_size": 320, "batch_size": 2}  # tiny inputs keep each step ~1 s


def _rect(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)


@pytest.mark.parametrize("clockwise", [True, False])
def test_shrink_follows_the_db_rule(clockwise):
    poly = _rect(10, 20, 110, 40)
    if not clockwise:
        poly = poly[::-1]
    area, perimeter = polygon_area_perimeter(poly)
    assert (area, perimeter) == (2000.0, 240.0)
    d = area * (1 - 0.4**2) / perimeter  # 7.0 px
    (kernel,) = shrink_polygon(poly, 0.4)
    assert np.allclose(kernel.min(axis=0), [10 + d, 20 + d], atol=0.1)
    assert np.allclose(kernel.max(axis=0), [110 - d, 40 - d], atol=0.1)


def test_a_kernel_split_in_two_retries_with_a_smaller_offset():
    # Two 40 px squares joined by a 10 px bar: r = 0.4 cuts the bar, r = 0.8 keeps one kernel.
    dumbbell = np.array(
        [
            [0, 0],
            [40, 0],
            [40, 15],
            [80, 15],
            [80, 0],
            [120, 0],
            [120, 40],
            [80, 40],
            [80, 25],
            [40, 25],
            [40, 40],
            [0, 40],
        ],
        np.float64,
    )
    area, perimeter = polygon_area_perimeter(dumbbell)
    kernels = shrink_polygon(dumbbell, 0.4)
    assert len(kernels) == 1
    d08 = area * (1 - 0.8**2) / perimeter
    assert np.allclose(kernels[0].min(axis=0), [d08, d08], atol=0.1)


def test_targets_mask_dont_care_tiny_and_outside_pixels():
    text, dont_care, tiny = _rect(10, 10, 110, 30), _rect(10, 50, 60, 70), _rect(70, 50, 120, 54)
    valid = np.ones((80, 130), np.uint8)
    valid[:, 125:] = 0
    gt, mask = shrink_targets([text, dont_care, tiny], [False, True, False], 80, 130, valid=valid)
    assert gt.dtype == np.float32 and gt.shape == (80, 130)
    d = 2000 * 0.84 / 240
    ys, xs = np.nonzero(gt)
    assert abs(xs.min() - (10 + d)) <= 1 and abs(xs.max() - (110 - d)) <= 1
    assert abs(ys.min() - (10 + d)) <= 1 and abs(ys.max() - (30 - d)) <= 1
    assert gt[50:71, :].sum() == 0  # neither the ### region nor the 4 px sliver is text
    assert mask[50:71, 10:61].sum() == 0 and mask[50:55, 70:121].sum() == 0
    assert mask[:, 125:].sum() == 0 and mask[40, :125].all()


def test_random_crop_targets_sit_on_the_text(tmp_path):
    root = write_det_export(tmp_path, n_train=1, n_val=0)
    sample = read_det_list(root / "det" / "train.txt", root).samples[0]
    from labeler.core.image_io import read_image

    image = read_image(sample.image_path)
    params = CropParams(size=320, p_text_focus=1.0)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x, gt, mask = random_crop(image, sample, DetParams(limit_side_len=320), params, rng)
        assert x.shape == (3, 320, 320) and x.dtype == np.float32 and gt.shape == mask.shape == (320, 320)
        assert gt.sum() > 0 and np.all(mask[gt > 0] == 1)
        grey = x.mean(axis=0)
        background = (gt == 0) & (mask == 1)
        assert grey[gt > 0].mean() < grey[background].mean() - 0.1  # the kernels cover dark ink: aligned


def test_det_list_parsing(tmp_path):
    root = write_det_export(tmp_path, n_train=2, n_val=0)
    with open(root / "det" / "train.txt", "a", encoding="utf-8") as f:
        f.write('images/missing.png\t[{"transcription": "a", "points": [[0,0],[9,0],[9,9],[0,9]]}]\n')
    data = read_det_list(root / "det" / "train.txt", root)
    assert len(data) == 2 and data.skipped == {"missing_image": 1}
    assert isinstance(data.samples[0], DetSample)
    assert data.samples[0].ignore_tags()[-1] is True and not any(data.samples[0].ignore_tags()[:-1])
    (root / "det" / "bad.txt").write_text("images/page_0.png\t[{]\n", encoding="utf-8")
    from labeler.train.det_data import DetDataError

    with pytest.raises(DetDataError, match=r"bad\.txt:1"):
        read_det_list(root / "det" / "bad.txt", root)


# ---------------------------------------------------------------- torch


@pytest.mark.models
def test_logits_are_the_input_of_the_final_sigmoid():
    torch = pytest.importorskip("torch")
    from labeler.train.onnx_module import OnnxModule

    module = OnnxModule(V4_DET).eval()
    assert module.ends_in_sigmoid and not module.ends_in_softmax
    x = torch.from_numpy(np.random.default_rng(0).uniform(-1, 1, (1, 3, 64, 96)).astype(np.float32))
    with torch.no_grad():
        assert torch.allclose(torch.sigmoid(module(x, logits=True)), module(x), atol=1e-6)


@pytest.mark.models
def test_steps_on_a_fixed_batch_lower_the_loss(tmp_path):
    torch = pytest.importorskip("torch")
    from labeler.core.image_io import read_image
    from labeler.train.det_finetune import DetFinetuneConfig, db_loss
    from labeler.train.onnx_module import OnnxModule

    root = write_det_export(tmp_path, n_train=2, n_val=0)
    samples = read_det_list(root / "det" / "train.txt", root).samples
    cfg = DetFinetuneConfig(**SMALL)
    rng = np.random.default_rng(0)
    crops = [random_crop(read_image(s.image_path), s, cfg.det_params(), cfg.crop_params(), rng) for s in samples]
    x, gt, mask = (torch.from_numpy(np.stack(parts)) for parts in zip(*crops))
    model = OnnxModule(V4_DET).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    losses = []
    for _ in range(3):
        loss = db_loss(model(x, logits=True), gt, mask, cfg)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0]


@pytest.mark.models
def test_train_det_writes_a_loadable_model(tmp_path):
    pytest.importorskip("torch")
    from labeler.train.det_finetune import DetFinetuneConfig
    from labeler.train.det_train import train_det

    root = write_det_export(tmp_path / "export", n_train=2, n_val=1)
    out = tmp_path / "tuned" / "det.onnx"
    events = []
    summary = train_det(root, V4_DET, out, DetFinetuneConfig(max_steps=2, **SMALL), events.append, lambda: False)
    assert summary["steps"] == 2 and summary["train_samples"] == 2 and summary["val_samples"] == 1
    progress = [e for e in events if e["event"] == "progress"]
    assert [e["step"] for e in progress] == [1, 2] and all(e["model"] == "det" for e in progress)
    assert all(np.isfinite(e["loss"]) and e["total_steps"] == 2 for e in progress)
    validates = [e for e in events if e["event"] == "validate"]
    assert validates[0]["step"] == 0 and 0.0 <= validates[0]["val_acc"] <= 1.0
    assert summary["base_val_acc"] > 0.5  # the bundled detector finds these printed lines

    x = np.random.default_rng(0).uniform(-1, 1, (1, 3, 64, 96)).astype(np.float32)
    tuned, base = ort_session(out), ort_session(V4_DET)
    name = base.get_inputs()[0].name
    y_tuned, y_base = tuned.run(None, {name: x})[0], base.run(None, {name: x})[0]
    assert y_tuned.shape == y_base.shape == (1, 1, 64, 96)
    assert (np.abs(y_tuned - y_base).max() > 0) == summary["improved"]  # the base is kept unless beaten
    assert [p.name for p in out.parent.iterdir()] == ["det.onnx"]


@pytest.mark.models
def test_cancel_writes_nothing(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from labeler.core.errors import Cancelled
    from labeler.train.det_finetune import DetFinetuneConfig
    from labeler.train.det_train import train_det

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    root = write_det_export(tmp_path / "export", n_train=2, n_val=1)
    polls = []

    def stop_at_third_poll():  # base validation, first step, then in the validation after it
        polls.append(1)
        return len(polls) >= 3

    out_dir = tmp_path / "tuned"
    with pytest.raises(Cancelled):
        train_det(
            root,
            V4_DET,
            out_dir / "det.onnx",
            DetFinetuneConfig(max_steps=5, **SMALL),
            lambda e: None,
            stop_at_third_poll,
        )
    assert not out_dir.exists()
    assert list(scratch.iterdir()) == []  # the validation copies are gone too


def test_inference_fields_come_from_the_manifest():
    import json

    pytest.importorskip("torch")
    from labeler.train.det_finetune import DetFinetuneConfig, inference_fields
    from tests.train.train_helpers import REPO

    det = json.loads((REPO / "models" / "ppocrv4-mobile" / "manifest.json").read_text("utf-8"))["det"]
    cfg = DetFinetuneConfig(
        **inference_fields({**det["preprocess"], "limit_side_len": 640}, {**det["postprocess"], "box_thresh": 0.6})
    )
    params = cfg.det_params()
    assert (params.limit_side_len, params.limit_type, params.max_side_len) == (640, "min", 2000)
    assert (params.db.thresh, params.db.box_thresh, params.db.unclip_ratio) == (0.3, 0.6, 1.6)


def test_denormals_are_flushed_only_inside_the_context():
    torch = pytest.importorskip("torch")
    from labeler.train.onnx_module import denormals_flushed

    tiny = torch.tensor([1e-39], dtype=torch.float32)  # a denormal float32
    with denormals_flushed() as supported:
        if not supported:
            pytest.skip("this CPU cannot flush denormals")
        assert float(tiny * 1.0) == 0.0
    assert float(tiny * 1.0) > 0.0


def test_channels_last_grouped_conv_matches_nchw(monkeypatch):
    torch = pytest.importorskip("torch")
    from onnx import TensorProto, helper, numpy_helper

    import labeler.train.onnx_module as onnx_module

    w = np.random.default_rng(0).normal(size=(8, 1, 7, 7)).astype(np.float32)
    conv = helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[7, 7], group=8, pads=[3, 3, 3, 3])
    graph = helper.make_graph(
        [conv],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])
    x = torch.from_numpy(np.random.default_rng(1).normal(size=(2, 8, 20, 24)).astype(np.float32))
    results = []
    for channels_last in (False, True):
        monkeypatch.setattr(onnx_module, "CHANNELS_LAST_GROUPED", channels_last)
        module = onnx_module.OnnxModule(model)
        y = module(x)
        (y * torch.linspace(0, 1, y.shape[-1])).sum().backward()
        results.append((y.detach(), module.params["w"].grad.clone()))
    assert torch.allclose(results[0][0], results[1][0], atol=1e-5)
    assert torch.allclose(results[0][1], results[1][1], rtol=1e-4, atol=1e-4)
