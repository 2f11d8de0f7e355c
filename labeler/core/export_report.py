"""What an export did: counts per split, what was skipped or changed and why. Written as OUT/report.json."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from labeler.core.dictionary import MissingCharsReport
from labeler.core.split import SPLIT_NAMES

REPORT_FORMAT = "labeler-export/1"  # marks an OUT folder as ours, so a later export may overwrite it


@dataclass
class SplitSummary:
    images: int = 0
    det_regions: int = 0  # all regions written to the det list, don't-care included
    dont_care: int = 0  # of which `###` / `*`
    rec_crops: int = 0
    kie_regions: int = 0


@dataclass
class RegionIssue:
    """One region that was skipped, changed or flagged; index is its position in the image's list."""

    image: str
    index: int
    reason: str
    text: str = ""
    detail: str = ""


@dataclass
class ImageIssue:
    image: str
    reason: str


@dataclass
class ExportReport:
    out_dir: str
    options: dict = field(default_factory=dict)
    splits: dict[str, SplitSummary] = field(default_factory=lambda: {name: SplitSummary() for name in SPLIT_NAMES})
    images_in: int = 0  # records handed to the export (after the confirmed-only filter)
    images_exported: int = 0
    skipped_images: list[ImageIssue] = field(default_factory=list)
    skipped_regions: list[RegionIssue] = field(default_factory=list)  # regions without a rec crop
    fixed_texts: list[RegionIssue] = field(default_factory=list)  # tabs / line breaks replaced
    long_texts: list[RegionIssue] = field(default_factory=list)  # longer than rec_max_len (kept or dropped)
    kie_notes: list[RegionIssue] = field(default_factory=list)
    kie_classes: list[str] = field(default_factory=list)
    chars_used: int = 0
    space_used: bool = False
    missing_chars: MissingCharsReport | None = None
    input_errors: list[str] = field(default_factory=list)  # malformed label lines etc., "file:line: reason"
    reencoded_images: int = 0  # EXIF-rotated images written upright
    files: dict[str, str] = field(default_factory=dict)  # role -> path relative to out_dir
    paddleocr: dict[str, list[str]] = field(default_factory=dict)  # tools/train.py -o overrides
    seconds: float = 0.0
    cancelled: bool = False
    recovered: list[str] = field(default_factory=list)  # leftovers of killed exports cleaned up first

    def skipped_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(issue.reason for issue in self.skipped_regions).items()))

    def totals(self) -> SplitSummary:
        total = SplitSummary()
        for s in self.splits.values():
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(s, name))
        return total

    def to_json(self) -> dict:
        data = {
            "format": REPORT_FORMAT,
            "out_dir": self.out_dir,
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
            "options": self.options,
            "images_in": self.images_in,
            "images_exported": self.images_exported,
            "splits": {name: asdict(s) for name, s in self.splits.items()},
            "totals": asdict(self.totals()),
            "skipped_counts": self.skipped_counts(),
            "fixed_text_count": len(self.fixed_texts),
            "long_text_count": len(self.long_texts),
            "chars_used": self.chars_used,
            "space_used": self.space_used,
            "missing_chars": self.missing_chars.to_json() if self.missing_chars else None,
            "kie_classes": self.kie_classes,
            "reencoded_images": self.reencoded_images,
            "files": self.files,
            "paddleocr": self.paddleocr,
            "input_errors": self.input_errors,
            "recovered": self.recovered,
            "skipped_images": [asdict(i) for i in self.skipped_images],
            "skipped_regions": [asdict(i) for i in self.skipped_regions],
            "fixed_texts": [asdict(i) for i in self.fixed_texts],
            "long_texts": [asdict(i) for i in self.long_texts],
            "kie_notes": [asdict(i) for i in self.kie_notes],
        }
        return data

    def summary_lines(self, max_items: int = 10) -> list[str]:
        """A short human summary for the CLI."""
        lines = [f"{'split':<6} {'images':>7} {'det boxes':>10} {'###':>6} {'rec crops':>10} {'kie':>6}"]
        for name, s in [*self.splits.items(), ("total", self.totals())]:
            lines.append(
                f"{name:<6} {s.images:>7} {s.det_regions:>10} {s.dont_care:>6} {s.rec_crops:>10} {s.kie_regions:>6}"
            )
        counts = self.skipped_counts()
        if counts:
            lines.append("regions without a rec crop: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if self.skipped_images:
            lines.append(f"images left out: {len(self.skipped_images)}")
            lines += [f"  {i.image}: {i.reason}" for i in self.skipped_images[:max_items]]
        if self.fixed_texts:
            lines.append(f"texts with a tab or line break (replaced by a space): {len(self.fixed_texts)}")
            lines += [f"  {i.image} #{i.index}: {i.detail!r} -> {i.text!r}" for i in self.fixed_texts[:max_items]]
        if self.long_texts:
            lines.append(f"texts longer than max length: {len(self.long_texts)} ({self.long_texts[0].detail})")
        if self.reencoded_images:
            lines.append(f"EXIF-rotated images written upright: {self.reencoded_images}")
        lines.append(f"characters used: {self.chars_used}" + (" (+ space)" if self.space_used else ""))
        if self.missing_chars is not None:
            m = self.missing_chars
            shown = "".join(list(m.missing)[:50])
            lines.append(
                f"missing from {m.dict_path}: {len(m.missing)} characters in {m.texts_affected} texts"
                + (f": {shown}" if shown else "")
            )
        if self.recovered:
            lines.append("cleaned up after an earlier killed export: " + "; ".join(self.recovered[:max_items]))
        if self.input_errors:
            lines.append(f"unreadable label lines: {len(self.input_errors)}")
            lines += [f"  {e}" for e in self.input_errors[:max_items]]
        return lines
