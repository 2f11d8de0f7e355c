"""OCR evaluation: detection, recognition and end-to-end figures for predictions against ground truth.

Definitions (the ones the evaluation sets' reference figures use):
- Don't-care GT regions (`###`, `*` or difficult) are never scored. A prediction lying more than
  half inside one of them is dropped before matching: it is neither a hit nor a false positive.
- Matching is one-to-one and greedy, highest polygon IoU first, among pairs with IoU >= 0.5.
- det P/R/H count matched pairs; rec_acc / rec_acc_norm / 1-NED are over matched pairs;
  e2e counts a matched pair as a hit only if its text is exactly right; zero_edit is the share of
  scored GT regions that were matched with exactly the right text.
- Totals are micro-averages: counts are summed over all images, then divided.
- Images are paired by key, then by file name (basename), so `a/x.jpg` and `b/x.jpg` match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

from labeler.core.model import TextRegion
from labeler.core.polygon import PreparedPolygon, inside_matrix, iou_matrix, prepare

IOU_THRESHOLD = 0.5  # a pair matches at IoU >= this
DONT_CARE_INSIDE = 0.5  # a prediction more than this share inside a don't-care region is dropped

METRIC_NAMES = (
    "det_precision",
    "det_recall",
    "det_hmean",
    "rec_acc",
    "rec_acc_norm",
    "one_minus_ned",
    "e2e_precision",
    "e2e_recall",
    "e2e_hmean",
    "zero_edit",
)


# ---------------------------------------------------------------- text


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insert, delete, substitute; cost 1 each), bit-parallel (Myers / Hyyrö)."""
    if a == b:
        return 0
    # The longer string becomes the bit pattern so the Python loop runs over the shorter one.
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    m = len(a)
    peq: dict[str, int] = {}
    for i, ch in enumerate(a):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    full = (1 << m) - 1
    top = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for ch in b:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & full
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        # Row 0 of the DP grows by one per column, hence the 1 shifted in.
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv
    return score


def normalized_edit_distance(a: str, b: str) -> float:
    """Levenshtein / max(len); 0.0 for two empty strings."""
    longest = max(len(a), len(b))
    return levenshtein(a, b) / longest if longest else 0.0


def normalize_text(text: str) -> str:
    """For rec_acc_norm: all white space removed, case folded."""
    return "".join(text.split()).casefold()


# ---------------------------------------------------------------- results


def _ratio(num: float, den: int, if_empty: float) -> float:
    return num / den if den else if_empty


def _hmean(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


@dataclass
class Tally:
    """Counts for one image or a whole set; every metric is derived from these (micro-average)."""

    gt_scored: int = 0  # GT regions that count (not don't-care)
    gt_dont_care: int = 0
    predictions: int = 0  # predictions that count (not dropped)
    pred_dropped: int = 0  # predictions dropped for lying inside a don't-care region
    matched: int = 0
    text_exact: int = 0  # matched pairs with identical text
    text_norm: int = 0  # matched pairs equal after normalize_text
    similarity_sum: float = 0.0  # sum of 1-NED over matched pairs

    def __iadd__(self, other: Tally) -> Tally:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    # Empty denominators: "nothing to find and nothing claimed" is perfect (1.0), anything else is 0.0.
    @property
    def _nothing_at_all(self) -> float:
        return 1.0 if self.gt_scored == 0 and self.predictions == 0 else 0.0

    @property
    def det_precision(self) -> float:
        return _ratio(self.matched, self.predictions, self._nothing_at_all)

    @property
    def det_recall(self) -> float:
        return _ratio(self.matched, self.gt_scored, 1.0)

    @property
    def det_hmean(self) -> float:
        return _hmean(self.det_precision, self.det_recall)

    @property
    def rec_acc(self) -> float:
        return _ratio(self.text_exact, self.matched, self._nothing_at_all)

    @property
    def rec_acc_norm(self) -> float:
        return _ratio(self.text_norm, self.matched, self._nothing_at_all)

    @property
    def one_minus_ned(self) -> float:
        return _ratio(self.similarity_sum, self.matched, self._nothing_at_all)

    @property
    def e2e_precision(self) -> float:
        return _ratio(self.text_exact, self.predictions, self._nothing_at_all)

    @property
    def e2e_recall(self) -> float:
        return _ratio(self.text_exact, self.gt_scored, 1.0)

    @property
    def e2e_hmean(self) -> float:
        return _hmean(self.e2e_precision, self.e2e_recall)

    @property
    def zero_edit(self) -> float:
        return _ratio(self.text_exact, self.gt_scored, self._nothing_at_all)

    def metrics(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in METRIC_NAMES}

    def counts(self) -> dict[str, int | float]:
        return asdict(self)


@dataclass
class MatchedPair:
    """One GT region paired with one prediction (indices into the image's region lists)."""

    gt_index: int
    pred_index: int
    iou: float
    gt_text: str
    pred_text: str
    ned: float

    @property
    def exact(self) -> bool:
        return self.gt_text == self.pred_text


@dataclass
class ImageEval:
    """The figures of one GT image. `pred_key` is None when the prediction file lacks the image."""

    key: str
    pred_key: str | None
    tally: Tally
    pairs: list[MatchedPair] = field(default_factory=list)
    missed_gt: list[int] = field(default_factory=list)  # scored GT regions left unmatched
    false_pred: list[int] = field(default_factory=list)  # counted predictions left unmatched
    dropped_pred: list[int] = field(default_factory=list)  # predictions inside don't-care regions

    def to_dict(self) -> dict:
        return {"key": self.key, "pred_key": self.pred_key, **self.tally.counts(), **self.tally.metrics()}


@dataclass
class EvalResult:
    """Per-image figures in GT order, their sum, and the keys that could not be paired."""

    total: Tally
    images: list[ImageEval]
    missing_pred: list[str] = field(default_factory=list)  # GT keys with no predictions (all missed)
    unmatched_pred: list[str] = field(default_factory=list)  # prediction keys with no GT image (not scored)

    def metrics(self) -> dict[str, float]:
        return self.total.metrics()

    def counts(self) -> dict[str, int | float]:
        return {
            "images": len(self.images),
            "images_missing_pred": len(self.missing_pred),
            "pred_images_not_in_gt": len(self.unmatched_pred),
            **self.total.counts(),
        }

    def to_dict(self, per_image: bool = False) -> dict:
        out: dict = {"metrics": self.metrics(), "counts": self.counts(), "unmatched_pred": list(self.unmatched_pred)}
        if per_image:
            out["per_image"] = [image.to_dict() for image in self.images]
        return out


# ---------------------------------------------------------------- matching


def greedy_match(iou: Sequence[Sequence[float]], threshold: float = IOU_THRESHOLD) -> list[tuple[int, int, float]]:
    """One-to-one pairs (row, col, iou), highest IoU first; ties go to the lower row, then column."""
    candidates = [(float(v), i, j) for i, row in enumerate(iou) for j, v in enumerate(row) if float(v) >= threshold]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_rows: set[int] = set()
    used_cols: set[int] = set()
    pairs = []
    for v, i, j in candidates:
        if i in used_rows or j in used_cols:
            continue
        used_rows.add(i)
        used_cols.add(j)
        pairs.append((i, j, v))
    return pairs


def evaluate_image(
    gt: Sequence[TextRegion], pred: Sequence[TextRegion], key: str = "", pred_key: str | None = None
) -> ImageEval:
    """Score one image's predictions against its ground truth."""
    care = [i for i, r in enumerate(gt) if not r.is_dont_care]
    dont_care = [i for i, r in enumerate(gt) if r.is_dont_care]
    gt_polys: list[PreparedPolygon] = [prepare(r.points) for r in gt]
    pred_polys: list[PreparedPolygon] = [prepare(r.points) for r in pred]

    dropped: list[int] = []
    if dont_care and pred_polys:
        inside = inside_matrix(pred_polys, [gt_polys[i] for i in dont_care])
        dropped = [j for j in range(len(pred)) if float(inside[j].max()) > DONT_CARE_INSIDE]
    dropped_set = set(dropped)
    kept = [j for j in range(len(pred)) if j not in dropped_set]

    iou = iou_matrix([gt_polys[i] for i in care], [pred_polys[j] for j in kept])
    pairs = []
    tally = Tally(gt_scored=len(care), gt_dont_care=len(dont_care), predictions=len(kept), pred_dropped=len(dropped))
    for ci, kj, v in greedy_match(iou.tolist()):
        g, p = care[ci], kept[kj]
        gt_text, pred_text = gt[g].transcription, pred[p].transcription
        ned = normalized_edit_distance(gt_text, pred_text)
        pairs.append(MatchedPair(gt_index=g, pred_index=p, iou=v, gt_text=gt_text, pred_text=pred_text, ned=ned))
        tally.matched += 1
        tally.text_exact += gt_text == pred_text
        tally.text_norm += normalize_text(gt_text) == normalize_text(pred_text)
        tally.similarity_sum += 1.0 - ned
    matched_gt = {p.gt_index for p in pairs}
    matched_pred = {p.pred_index for p in pairs}
    return ImageEval(
        key=key,
        pred_key=pred_key,
        tally=tally,
        pairs=sorted(pairs, key=lambda p: p.gt_index),
        missed_gt=[i for i in care if i not in matched_gt],
        false_pred=[j for j in kept if j not in matched_pred],
        dropped_pred=dropped,
    )


def basename(key: str) -> str:
    """The file name part of a PPOCRLabel key (`folder/name.jpg`), Windows separators included."""
    return key.replace("\\", "/").rsplit("/", 1)[-1]


def pair_keys(gt_keys: Iterable[str], pred_keys: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Pair GT keys with prediction keys: identical keys first, then unique basenames.

    Returns ({gt_key: pred_key}, prediction keys left unpaired). A basename shared by several
    keys on either side pairs nothing, since any choice could be wrong.
    """
    gt_list, pred_list = list(gt_keys), list(pred_keys)
    pred_set = set(pred_list)
    paired = {k: k for k in gt_list if k in pred_set}
    rest_gt = [k for k in gt_list if k not in paired]
    rest_pred = [k for k in pred_list if k not in paired.values()]

    def by_base(keys: list[str]) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for k in keys:
            groups.setdefault(basename(k), []).append(k)
        return groups

    gt_groups, pred_groups = by_base(rest_gt), by_base(rest_pred)
    for base, gks in gt_groups.items():
        pks = pred_groups.get(base, [])
        if len(gks) == 1 and len(pks) == 1:
            paired[gks[0]] = pks[0]
    used = set(paired.values())
    return paired, [k for k in pred_list if k not in used]


def evaluate(gt: Mapping[str, Sequence[TextRegion]], pred: Mapping[str, Sequence[TextRegion]]) -> EvalResult:
    """Score predictions against ground truth over every GT image (see the module docstring)."""
    paired, unmatched = pair_keys(gt.keys(), pred.keys())
    total = Tally()
    images = []
    missing = []
    for key, regions in gt.items():
        pred_key = paired.get(key)
        if pred_key is None:
            missing.append(key)
        image = evaluate_image(regions, pred[pred_key] if pred_key is not None else [], key=key, pred_key=pred_key)
        total += image.tally
        images.append(image)
    return EvalResult(total=total, images=images, missing_pred=missing, unmatched_pred=unmatched)
