"""The ONNX interpreter matches onnxruntime, trains what it should and freezes BatchNorm statistics."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

from labeler.train.onnx_module import OnnxModule, UnsupportedGraph  # noqa: E402
from tests.train.train_helpers import REPO, V4_REC, V6_REC, ort_session  # noqa: E402

pytestmark = pytest.mark.models


def _compare(path, shape, seed=0):
    module = OnnxModule(path).eval()
    session = ort_session(path)
    x = np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)
    ref = session.run(None, {session.get_inputs()[0].name: x})[0]
    with torch.no_grad():
        out = module(torch.from_numpy(x)).numpy()
    assert out.shape == ref.shape
    return float(np.abs(out - ref).max())


@pytest.mark.parametrize("width", [160, 320, 333, 640])
def test_v6_rec_matches_onnxruntime(width):
    assert _compare(V6_REC, (2, 3, 48, width)) < 1e-4


@pytest.mark.parametrize("width", [160, 320, 640])
def test_v4_rec_matches_onnxruntime(width):
    assert _compare(V4_REC, (1, 3, 48, width)) < 1e-4


@pytest.mark.parametrize(
    "path",
    [
        REPO / "models" / "ppocrv6-small" / "PP-OCRv6_det_small.onnx",
        REPO / "models" / "ppocrv4-mobile" / "ch_PP-OCRv4_det_infer.onnx",
    ],
)
def test_det_matches_onnxruntime(path):
    assert _compare(path, (1, 3, 64, 96)) < 1e-4


def test_cls_matches_onnxruntime():
    assert _compare(REPO / "models" / "common" / "ch_ppocr_mobile_v2.0_cls_mobile.onnx", (2, 3, 48, 192)) < 1e-4


@pytest.mark.parametrize("path", [V6_REC, V4_REC])
def test_every_weight_is_a_parameter_named_after_the_graph(path):
    model = onnx.load(str(path))
    module = OnnxModule(model)
    weights = {t.name: t for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT}
    weights.update(
        {
            n.output[0]: n.attribute[0].t
            for n in model.graph.node
            if n.op_type == "Constant" and n.attribute[0].t.data_type == onnx.TensorProto.FLOAT
        }
    )
    big = {name for name, t in weights.items() if int(np.prod(t.dims)) > 1}
    bn = {n.input[i] for n in model.graph.node if n.op_type == "BatchNormalization" for i in (3, 4)}
    assert set(module.parameter_names()) == big - bn
    assert set(module.onnx_tensors()) == big | bn
    # Nearly all the file is trainable weights (the rest: BN statistics, shapes, scalars).
    n_params = sum(p.numel() for p in module.parameters())
    assert n_params * 4 > 0.95 * path.stat().st_size
    assert all(p.requires_grad for p in module.parameters())


def test_log_probs_equal_log_of_output():
    module = OnnxModule(V6_REC).eval()
    x = torch.from_numpy(np.random.default_rng(1).uniform(-1, 1, (1, 3, 48, 320)).astype(np.float32))
    with torch.no_grad():
        probs = module(x)
        lp = module(x, log_probs=True)
    assert torch.allclose(lp.exp(), probs, atol=1e-6)


def test_batchnorm_statistics_stay_frozen_in_train_mode():
    module = OnnxModule(V4_REC)  # v4 rec has 6 BatchNorm layers
    before = {k: v.clone() for k, v in module.bn_stats.named_buffers()}
    assert before
    x = torch.from_numpy(np.random.default_rng(2).uniform(-1, 1, (2, 3, 48, 320)).astype(np.float32))
    module.train()
    out = module(x)
    with torch.no_grad():
        ref = module.eval()(x)
    assert torch.allclose(out, ref, atol=1e-6)  # frozen statistics: train() computes what eval() does
    assert all(torch.equal(before[k], v) for k, v in module.bn_stats.named_buffers())

    module.freeze_bn_stats = False
    module.train()(x)
    assert any(not torch.equal(before[k], v) for k, v in module.bn_stats.named_buffers())


def test_gradients_reach_every_parameter():
    module = OnnxModule(V6_REC).train()
    x = torch.from_numpy(np.random.default_rng(3).uniform(-1, 1, (1, 3, 48, 160)).astype(np.float32))
    module(x, log_probs=True)[..., 1:].mean().backward()
    missing = [name for name, p in module.params.items() if p.grad is None or not torch.any(p.grad != 0)]
    assert missing == []


def test_unsupported_op_is_named():
    from onnx import TensorProto, helper

    node = helper.make_node("NonMaxSuppression", ["x"], ["y"], name="nms")
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    with pytest.raises(UnsupportedGraph, match="NonMaxSuppression"):
        OnnxModule(helper.make_model(graph))


def test_same_upper_padding_on_odd_sizes():
    from onnx import TensorProto, helper, numpy_helper

    w = np.random.default_rng(4).normal(size=(2, 3, 2, 2)).astype(np.float32)
    conv = helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_UPPER")
    pool = helper.make_node("MaxPool", ["c"], ["y"], kernel_shape=[2, 2], strides=[1, 1], auto_pad="SAME_UPPER")
    graph = helper.make_graph(
        [conv, pool],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 7
    import onnxruntime as ort

    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(5).normal(size=(1, 3, 7, 9)).astype(np.float32)
    ref = session.run(None, {"x": x})[0]
    with torch.no_grad():
        out = OnnxModule(model)(torch.from_numpy(x)).numpy()
    assert out.shape == ref.shape
    assert np.abs(out - ref).max() < 1e-5
