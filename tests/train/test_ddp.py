"""Data-parallel rec fine-tuning on the CPU (gloo): two processes compute what one computes on the whole batch."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
    pytest.skip("torch without gloo", allow_module_level=True)

from onnx import numpy_helper  # noqa: E402

from labeler.train.config_json import config_to_json  # noqa: E402
from labeler.train.onnx_module import OnnxModule  # noqa: E402
from labeler.train.rec_data import make_batch, read_dict_file, read_rec_list  # noqa: E402
from labeler.train.rec_finetune import CaseFold, RecFinetuneConfig, model_log_probs, training_loss  # noqa: E402
from labeler.train.rec_train import train_rec  # noqa: E402
from tests.train.train_helpers import (  # noqa: E402
    REPO,
    V6_DICT,
    V6_REC,
    ddp_gradient_rank,
    moved_base_model,
    ort_session,
    small_rec_export,
)
from tests.train.train_project import events_of  # noqa: E402

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return small_rec_export(tmp_path_factory.mktemp("export"), n_val=4, val_degrade=0.25)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flat(grads: dict) -> np.ndarray:
    return np.concatenate([np.asarray(grads[k], np.float64).ravel() for k in sorted(grads)])


@pytest.mark.parametrize("text_case", ["", "upper"])
def test_two_process_gradient_equals_the_whole_batch_gradient(export, tmp_path, text_case):
    # 7 crops of different widths: shards of 4 and 3, each narrower than the whole batch.
    # "upper": the case-folded loss plus the case-split term, whose weight sum spans both shards.
    torch.multiprocessing.spawn(
        ddp_gradient_rank, args=(2, _free_port(), str(export), str(tmp_path), text_case), nprocs=2
    )
    saved = np.load(tmp_path / "grads.npz")
    ddp = {k: saved[k] for k in saved.files if k != "loss"}

    samples = read_rec_list(export / "rec" / "train.txt", read_dict_file(V6_DICT)).samples[:7]
    model = OnnxModule(V6_REC).train()
    cfg = RecFinetuneConfig(text_case=text_case, case_split_weight=1.0 if text_case else 0.0)
    fold = CaseFold.of(read_dict_file(V6_DICT), text_case)
    base_model = moved_base_model() if text_case else None

    def grads_of(chosen):
        model.zero_grad(set_to_none=True)
        x, labels = make_batch(chosen)
        x_t = torch.from_numpy(x)
        loss = training_loss(model_log_probs(model, x_t), labels, x_t, cfg, fold, base_model)
        loss.backward()
        return float(loss.detach()), {k: p.grad.numpy().copy() for k, p in model.params.items()}

    loss, whole = grads_of(samples)
    assert ddp.keys() == whole.keys()
    ref = _flat(whole)
    error = np.linalg.norm(_flat(ddp) - ref) / np.linalg.norm(ref)
    assert error < 1e-4
    assert float(saved["loss"]) == pytest.approx(loss, rel=1e-5)
    # What a rank alone (no all-reduce) would step with is far off: the check above can tell.
    _, alone = grads_of(samples[0::2])
    assert np.linalg.norm(_flat(alone) - ref) / np.linalg.norm(ref) > 0.05
    if text_case:  # the split term is in that gradient: without it the gradient is far off too
        base_model = None
        _, fold_only = grads_of(samples)
        assert np.linalg.norm(_flat(fold_only) - ref) / np.linalg.norm(ref) > 0.01


def test_torch_distributed_run_two_ranks(export, tmp_path):
    cfg = RecFinetuneConfig(batch_size=8, max_steps=2, augment=None)
    out = tmp_path / "ddp" / "rec.onnx"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "labeler.train.worker",
        "--export",
        str(export),
        "--base",
        str(V6_REC),
        "--dict",
        str(V6_DICT),
        "--out",
        str(out),
        "--config-json",
        config_to_json(cfg),
        "--threads",
        "1",
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]

    events = events_of(proc.stdout)  # every stdout line is a protocol event
    assert [e["step"] for e in events if e["event"] == "progress"] == [1, 2]  # once: rank 1 prints nothing
    assert [e["step"] for e in events if e["event"] == "validate"] == [0, 2]
    done = [e for e in events if e["event"] == "worker_done"]
    assert len(done) == 1 and events[-1] is done[0]
    assert done[0]["summary"]["world_size"] == 2 and done[0]["summary"]["steps"] == 2
    assert [p.name for p in out.parent.iterdir()] == ["rec.onnx"]
    x = np.random.default_rng(0).uniform(-1, 1, (1, 3, 48, 320)).astype(np.float32)
    assert ort_session(out).run(None, {"x": x})[0].shape == ort_session(V6_REC).run(None, {"x": x})[0].shape

    # One process on the same data takes the same steps: the same validation figures, nearly the same weights.
    single_out = tmp_path / "single.onnx"
    single = train_rec(export, V6_REC, V6_DICT, single_out, cfg, lambda e: None, lambda: False)
    assert single["best_val_loss"] == pytest.approx(done[0]["summary"]["best_val_loss"], rel=1e-4)
    assert single["best_val_acc"] == done[0]["summary"]["best_val_acc"]

    def weights(path):
        return {
            t.name: numpy_helper.to_array(t)
            for t in onnx.load(str(path)).graph.initializer
            if t.data_type == onnx.TensorProto.FLOAT
        }

    a, b, base = weights(single_out), weights(out), weights(V6_REC)
    moved = sum(int((np.abs(a[k] - base[k]) > 1e-6).sum()) for k in a)
    differ = sum(int((np.abs(a[k] - b[k]) > 1e-6).sum()) for k in a)
    total = sum(v.size for v in a.values())
    # Adam moves nearly every weight by ~lr per step; only near-zero gradients may flip sign between the two sums.
    assert moved > 0.5 * total
    assert differ < 1e-3 * total
