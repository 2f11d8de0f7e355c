"""Trained tensors go back into a copy of the ONNX file; everything else stays byte for byte."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

from labeler.train.onnx_module import OnnxModule  # noqa: E402
from labeler.train.onnx_writeback import WritebackError, write_back  # noqa: E402
from tests.train.train_helpers import REPO, V4_REC, V6_REC, ort_session  # noqa: E402

pytestmark = pytest.mark.models


def _tensors(model):
    out = {t.name: t.SerializeToString() for t in model.graph.initializer}
    out.update({n.output[0]: n.attribute[0].t.SerializeToString() for n in model.graph.node if n.op_type == "Constant"})
    return out


@pytest.mark.parametrize("path", [V6_REC, V4_REC])  # v6 keeps weights in initializers, v4 in Constant nodes
def test_perturbed_weights_round_trip_through_onnxruntime(path, tmp_path):
    source = tmp_path / path.name
    shutil.copyfile(path, source)
    module = OnnxModule(source).eval()
    name = module.parameter_names()[-1]  # the classifier head: its change shows in every output
    with torch.no_grad():
        p = module.tensor(name)
        p.add_(torch.from_numpy(np.random.default_rng(0).normal(0, 0.05, tuple(p.shape)).astype(np.float32)))
    dest = tmp_path / "tuned" / "rec.onnx"
    changed = write_back(source, module.onnx_tensors(), dest)
    assert changed == [name]

    x = np.random.default_rng(1).uniform(-1, 1, (1, 3, 48, 400)).astype(np.float32)
    session = ort_session(dest)
    ref = session.run(None, {session.get_inputs()[0].name: x})[0]
    with torch.no_grad():
        out = module(torch.from_numpy(x)).numpy()
    assert np.abs(out - ref).max() < 1e-4
    base = ort_session(source).run(None, {session.get_inputs()[0].name: x})[0]
    assert np.abs(base - ref).max() > 1e-3  # the perturbation did reach the new file

    old, new = onnx.load(str(source)), onnx.load(str(dest))
    assert {p.key: p.value for p in new.metadata_props} == {p.key: p.value for p in old.metadata_props}
    assert [i.SerializeToString() for i in new.graph.input] == [i.SerializeToString() for i in old.graph.input]
    before, after = _tensors(old), _tensors(new)
    assert before.keys() == after.keys()
    assert [k for k in before if before[k] != after[k]] == [name]
    assert source.read_bytes() == path.read_bytes()  # the source is never touched


def test_refuses_the_source_and_the_bundled_folder(tmp_path):
    module_tensors = {}
    with pytest.raises(WritebackError):
        write_back(V6_REC, module_tensors, V6_REC)
    with pytest.raises(WritebackError):
        write_back(V6_REC, module_tensors, REPO / "models" / "ppocrv6-small" / "tuned.onnx")
    assert not (REPO / "models" / "ppocrv6-small" / "tuned.onnx").exists()


def test_wrong_names_and_shapes_are_errors(tmp_path):
    model = onnx.load(str(V6_REC))
    first = model.graph.initializer[0]
    with pytest.raises(WritebackError, match="not in the graph"):
        write_back(V6_REC, {"no_such_tensor": np.zeros(3, np.float32)}, tmp_path / "a.onnx")
    with pytest.raises(WritebackError, match="does not fit"):
        write_back(V6_REC, {first.name: np.zeros(3, np.float32)}, tmp_path / "b.onnx")
    assert not (tmp_path / "a.onnx").exists() and not (tmp_path / "b.onnx").exists()
    assert list(tmp_path.iterdir()) == []  # no temp files left behind
