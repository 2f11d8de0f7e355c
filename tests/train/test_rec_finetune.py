"""A few CTC steps on rendered crops: the loss falls, the best weights write back and decode in onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from labeler.core.errors import Cancelled  # noqa: E402
from labeler.ocr.rec import TextRecognizer  # noqa: E402
from labeler.ocr.session import OrtSession  # noqa: E402
from labeler.train.onnx_writeback import write_back  # noqa: E402
from labeler.train.rec_data import read_dict_file, read_rec_list  # noqa: E402
from labeler.train.rec_finetune import RecFinetuneConfig, finetune_rec  # noqa: E402
from tests.train.train_helpers import TEXTS, V6_DICT, V6_REC, text_crop, write_rec_export  # noqa: E402

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    charset = read_dict_file(V6_DICT)
    root = tmp_path_factory.mktemp("export")
    # Clean crops the base model reads, and blurred ones it partly gets wrong.
    items = [(t, text_crop(t)) for t in TEXTS] + [(t, text_crop(t, degrade=0.25)) for t in TEXTS]
    dataset = read_rec_list(write_rec_export(root, items), charset)
    assert len(dataset) == 16
    return charset, dataset.samples


def test_loss_falls_and_the_result_writes_back(data, tmp_path):
    charset, samples = data
    events = []
    cfg = RecFinetuneConfig(lr=5e-5, batch_size=8, max_epochs=2, augment=None, time_budget_s=600)
    result = finetune_rec(V6_REC, charset, samples, samples, cfg, progress=events.append)

    assert result.steps == 4 and result.epochs == 2
    assert result.best_val_loss < result.base_val_loss  # training-set loss fell
    assert result.best_epoch >= 1
    stages = [e["stage"] for e in events]
    assert stages[0] == "validate" and stages[-1] == "done" and stages.count("train") == 4
    assert all(set(e) == {"stage", "epoch", "step", "loss", "val_acc", "eta_s"} for e in events)
    assert all(e["eta_s"] >= 0 for e in events if e["stage"] == "train")

    dest = tmp_path / "tuned.onnx"
    changed = write_back(V6_REC, result.state, dest)
    assert changed  # the weights moved
    rec = TextRecognizer(OrtSession(dest, threads=1), charset)
    out = rec([s.image for s in samples])
    accuracy = np.mean([a == s.text for a, s in zip(out.texts, samples)])
    assert accuracy == pytest.approx(result.best_val_acc)  # onnxruntime reads as validation did
    assert accuracy >= result.base_val_acc


def test_cancel_and_time_budget(data):
    charset, samples = data
    calls = []

    def stop_after_first_step():
        calls.append(1)
        return len(calls) > 1

    cfg = RecFinetuneConfig(batch_size=4, max_epochs=1, augment=None)
    with pytest.raises(Cancelled):
        finetune_rec(V6_REC, charset, samples[:8], [], cfg, should_stop=stop_after_first_step)
    assert len(calls) == 2  # polled before each step: the second poll stopped it

    result = finetune_rec(V6_REC, charset, samples[:8], [], RecFinetuneConfig(time_budget_s=0.0))
    assert result.stopped == "time_budget" and result.steps == 0
    assert result.base_val_acc is None


def test_augmented_steps_run(data):
    charset, samples = data
    cfg = RecFinetuneConfig(batch_size=4, max_steps=1, seed=3)
    result = finetune_rec(V6_REC, charset, samples[:4], [], cfg)
    assert result.steps == 1 and result.stopped == "max_steps"
    assert np.isfinite(result.history[0]["train_loss"])


def test_validation_every_n_steps(data):
    charset, samples = data
    events = []
    cfg = RecFinetuneConfig(batch_size=4, max_steps=3, val_every_steps=2, augment=None)
    result = finetune_rec(V6_REC, charset, samples[:8], samples[:4], cfg, progress=events.append)
    assert result.stopped == "max_steps"
    # base, after step 2, and after the last (third) step
    assert [(e["step"]) for e in events if e["stage"] == "validate" and e["loss"] is not None] == [0, 2, 3]
    assert [h["step"] for h in result.history] == [2, 3]


def test_case_fold_loss_reads_a_letter_and_its_partner_as_one_class(data):
    from labeler.train.rec_finetune import CaseFold, ctc_loss

    charset, _ = data
    fold = CaseFold.of(charset, "upper")
    assert CaseFold.of(charset, "") is None
    a, big_a, one = charset.index("a"), charset.index("A"), charset.index("1")
    logits = torch.randn(2, 12, len(charset), requires_grad=True)
    lp = torch.log_softmax(logits, dim=2)
    folded = fold.log_probs(lp)
    torch.testing.assert_close(folded[..., big_a].exp(), lp[..., a].exp() + lp[..., big_a].exp())
    torch.testing.assert_close(folded[..., one], lp[..., one])  # digits untouched
    # A lower-case label is the same target as its upper-case partner once folded.
    torch.testing.assert_close(ctc_loss(lp, [[a, one], [big_a]], fold), ctc_loss(lp, [[big_a, one], [big_a]], fold))
    ctc_loss(lp, [[big_a, one], [big_a]], fold).backward()
    grad = logits.grad
    assert torch.isfinite(grad).all() and grad[..., a].abs().sum() > 0  # both cases get the gradient


def test_upper_case_project_validates_case_blind(data):
    """Upper-cased labels: the base model's mixed-case readings count as right once letters fold."""
    from dataclasses import replace as dc_replace

    charset, samples = data
    index = {c: i for i, c in enumerate(charset)}
    upper = [dc_replace(s, text=s.text.upper(), labels=tuple(index[c] for c in s.text.upper())) for s in samples[:8]]
    plain = finetune_rec(V6_REC, charset, upper[:4], upper, RecFinetuneConfig(max_steps=1, augment=None))
    folded = finetune_rec(
        V6_REC, charset, upper[:4], upper, RecFinetuneConfig(max_steps=1, augment=None, text_case="upper")
    )
    assert folded.base_val_acc > plain.base_val_acc  # "Hello", "qty 3" read right only case-blind
    assert folded.steps == 1 and np.isfinite(folded.history[0]["train_loss"])


def test_case_split_loss_pulls_the_split_back_to_the_base_models(data):
    from labeler.train.rec_finetune import CaseFold, case_split_loss

    charset, _ = data
    fold = CaseFold.of(charset, "upper")
    a, big_a = charset.index("a"), charset.index("A")
    base_logits = torch.randn(1, 6, len(charset))
    base_logits[..., a] += 6.0  # the base model reads a lower-case 'a' here
    base_lp = torch.log_softmax(base_logits, dim=2)
    moved_logits = base_logits.clone()
    moved_logits[..., big_a] += 8.0  # a tuned model that turned it into 'A'
    moved_logits.requires_grad_(True)
    same = case_split_loss(base_lp, base_lp, fold)
    moved = case_split_loss(torch.log_softmax(moved_logits, dim=2), base_lp, fold)
    assert float(moved) > float(same) + 0.3
    moved.backward()
    assert float(moved_logits.grad[..., big_a].sum()) > 0  # descent lowers 'A' again
    assert float(moved_logits.grad[..., a].sum()) < 0  # and raises 'a'


def test_blends_toward_the_base_are_validated_and_the_smallest_good_one_is_kept(data, tmp_path):
    charset, samples = data
    events = []
    cfg = RecFinetuneConfig(
        lr=5e-5,
        batch_size=8,
        max_epochs=2,
        augment=None,
        time_budget_s=600,
        blend_alphas=(0.5, 0.25),
        blend_tolerance=1.0,
    )  # any blend validates "as well"
    result = finetune_rec(V6_REC, charset, samples, samples, cfg, progress=events.append)
    assert result.best_epoch >= 1
    blends = [e for e in events if e["stage"] == "blend"]
    assert [e["alpha"] for e in blends] == [0.25, 0.5]
    assert [t["alpha"] for t in result.blend_trials] == [1.0, 0.25, 0.5]
    assert result.blend_alpha == 0.25  # the tolerance admits all: the one nearest the base
    assert result.best_val_acc == result.blend_trials[1]["val_acc"]
    # The state is the quarter-way blend, and onnxruntime reads it as its validation said.
    from labeler.train.onnx_module import OnnxModule

    base = OnnxModule(V6_REC).onnx_tensors()
    name = next(n for n, v in result.state.items() if v.dtype.kind == "f" and not np.array_equal(v, base[n]))
    plain = finetune_rec(
        V6_REC,
        charset,
        samples,
        samples,
        RecFinetuneConfig(lr=5e-5, batch_size=8, max_epochs=2, augment=None, time_budget_s=600),
    )
    assert plain.blend_alpha == 1.0 and plain.blend_trials == []
    np.testing.assert_allclose(result.state[name], base[name] + 0.25 * (plain.state[name] - base[name]), atol=1e-6)
    dest = tmp_path / "blend.onnx"
    write_back(V6_REC, result.state, dest)
    out = TextRecognizer(OrtSession(dest, threads=1), charset)([s.image for s in samples])
    assert np.mean([a == s.text for a, s in zip(out.texts, samples)]) == pytest.approx(result.best_val_acc)

    strict = finetune_rec(
        V6_REC,
        charset,
        samples,
        samples,
        RecFinetuneConfig(
            lr=5e-5,
            batch_size=8,
            max_epochs=2,
            augment=None,
            time_budget_s=600,
            blend_alphas=(0.25,),
            blend_tolerance=0.0,
        ),
    )
    best = max(t["val_acc"] for t in strict.blend_trials)
    chosen = next(t for t in strict.blend_trials if t["alpha"] == strict.blend_alpha)
    assert chosen["val_acc"] == best and strict.best_val_acc == best
