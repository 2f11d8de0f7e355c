"""Do kraken (the engine behind eScriptorium) read labeler's PAGE and ALTO exports? A real-consumer check.

    python benchmarks/kraken_consumer.py --kraken-python /tmp/kraken-venv/bin/python [--eval ../shared/eval/public]
                                         [--json PATH]

Exports the eval set's Label.txt with labeler (to page and to alto, in a temporary folder; and a synthetic
page of the shapes the eval set lacks: vertical, rotated, counter-clockwise, curved, 5-point lines), then
reads every file with kraken's own parser, `kraken.lib.xml.XMLPage(path)` with its defaults (linetype
'baselines': a line without a baseline is skipped), in a second Python that has kraken (kraken pulls
torch, which labeler's environment does not have). Prints one row per format: lines labeler wrote, lines
kraken read, how many of those have labeler's text, its polygon (kraken's integer points) and a baseline of
2 or more points, whether kraken's line order is labeler's region order, and in how many files kraken
finds an explicit reading order (PAGE ReadingOrder; ALTO gets none) that is labeler's. Exit status 1 when any line is
lost or differs.

kraken's environment (torch CPU first, so kraken's requirements do not pull a CUDA build):
    python3 -m venv /tmp/kraken-venv && /tmp/kraken-venv/bin/pip install torch==2.13.0
    /tmp/kraken-venv/bin/pip install --no-deps kraken==7.1.1
    /tmp/kraken-venv/bin/pip install lxml numpy pillow "shapely~=2.1.2" "scipy~=1.15.3" \
        "scikit-image~=0.25.2" iso639-lang
(kraken.lib.xml needs no more than these; torchvision, lightning and the rest are for training and recognition.)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = REPO.parent / "shared" / "eval" / "public"
FORMATS = ("page", "alto")
READ_TIMEOUT_S = 600
IMPLICIT_ORDERS = ("line_implicit", "line_transkribus")


# ------------------------------------------------------------------------ the kraken side (kraken's Python)


def kraken_read(folder: Path) -> dict[str, dict]:
    """Every .xml under `folder` as kraken reads it: image name -> lines (text, boundary, baseline) in
    kraken's order, and its explicit line orders."""
    from kraken.lib.xml import XMLPage  # type: ignore[import-not-found]  # only in kraken's environment

    found: dict[str, dict] = {}
    for path in sorted(folder.rglob("*.xml")):
        page = XMLPage(path)
        lines = [
            {
                "text": line.text,
                "boundary": [list(p) for p in (line.boundary or [])],
                "baseline": [list(p) for p in (line.baseline or [])],
            }
            for line in page.get_sorted_lines()
        ]
        # Explicit line orders (PAGE ReadingOrder): kraken names them by the group's id.
        explicit = {
            name: [line.text for line in page.get_sorted_lines(name)]
            for name, order in page.reading_orders.items()
            if order["level"] == "line" and name not in IMPLICIT_ORDERS
        }
        found[Path(page.imagename).name] = {"lines": lines, "explicit": explicit}
    return found


# ------------------------------------------------------------------------ the labeler side (project's Python)


@dataclass
class Row:
    fmt: str
    files: int
    written: int  # lines labeler wrote
    read: int  # lines kraken read with its defaults
    same_text: int
    same_polygon: int
    with_baseline: int
    in_order: bool
    explicit_orders: int  # files whose explicit reading order (PAGE ReadingOrder) kraken follows as labeler's

    @property
    def ok(self) -> bool:
        return self.written == self.read == self.same_text == self.same_polygon == self.with_baseline and self.in_order


def _expected(records: list, fmt: str) -> dict[str, list[tuple[str, list[list[int]]]]]:
    """Image name -> (text, polygon as kraken gives it) per region, in labeler's order."""
    out = {}
    for rec in records:
        lines = []
        for region in rec.regions:
            # PAGE points are rounded integers; kraken truncates ALTO's floats with int(float(...)).
            ints = [[round(x), round(y)] if fmt == "page" else [int(x), int(y)] for x, y in region.points]
            dedup = [p for i, p in enumerate(ints) if i == 0 or p != ints[i - 1]]  # kraken drops repeats
            lines.append((region.transcription, dedup))
        out[Path(rec.path).name] = lines
    return out


def compare(fmt: str, expected: dict, got: dict) -> Row:
    row = Row(fmt, len(expected), sum(len(v) for v in expected.values()), 0, 0, 0, 0, True, 0)
    for name, lines in expected.items():
        page = got.get(name, {"lines": [], "explicit": {}})
        read = page["lines"]
        row.read += len(read)
        texts = [t for t, _ in lines]
        row.in_order &= texts == [line["text"] for line in read]
        row.explicit_orders += any(order == texts for order in page["explicit"].values())
        for (text, polygon), line in zip(lines, read):
            row.same_text += text == line["text"]
            row.same_polygon += polygon == line["boundary"]
            row.with_baseline += len(line["baseline"]) >= 2
    return row


def run(eval_dir: Path, kraken_python: str) -> list[Row]:
    from labeler.core.formats import read_records, write_records

    rows = []
    sets = {"": read_records("ppocrlabel", eval_dir, image_dir=eval_dir), "synthetic ": synthetic_shapes()}
    with tempfile.TemporaryDirectory(prefix="kraken-consumer-") as tmp:
        for label, records in sets.items():
            for fmt in FORMATS:
                out = Path(tmp) / f"{label.strip() or 'eval'}-{fmt}"
                write_records(fmt, records, out)
                rows.append(compare(label + fmt, _expected(records, fmt), _kraken(kraken_python, out, fmt)))
    return rows


def _kraken(kraken_python: str, folder: Path, fmt: str) -> dict:
    # Argument list, no shell: the folder name is ours, but never pasted into a command string.
    proc = subprocess.run(
        [kraken_python, str(Path(__file__).resolve()), "--read", str(folder)],
        capture_output=True,
        text=True,
        timeout=READ_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"kraken could not read {fmt}:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


def synthetic_shapes() -> list:
    """Lines the eval set lacks: vertical, rotated 45 degrees, listed counter-clockwise, curved, 5-point."""
    from labeler.core.model import ImageRecord, ImageStatus, TextRegion

    regions = [
        TextRegion([(10, 10), (200, 10), (200, 40), (10, 40)], "upright"),
        TextRegion([(10, 60), (40, 60), (40, 300), (10, 300)], "vertical"),
        TextRegion([(100, 100), (110, 90), (210, 190), (200, 200)], "rotated 45"),
        TextRegion([(300, 300), (200, 300), (200, 260), (300, 260)], "counter-clockwise from the right"),
        TextRegion([(300, 10), (340, 5), (380, 8), (420, 20), (418, 45), (380, 33), (340, 30), (302, 35)], "curved"),
        TextRegion([(0, 400), (120, 390), (125, 420), (5, 430), (2, 415)], "pentagon"),
    ]
    return [ImageRecord("synthetic.png", 500, 500, ImageStatus.CONFIRMED, regions)]


def kraken_version(kraken_python: str) -> str:
    code = "import importlib.metadata as m; print(m.version('kraken'), m.version('torch'))"
    proc = subprocess.run([kraken_python, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    return proc.stdout.strip() or proc.stderr.strip()[-200:]


def print_table(rows: list[Row]) -> None:
    print(
        "| format | files | lines written | read by kraken | same text | same polygon | baseline | order "
        "| explicit order followed |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        order = "same" if r.in_order else "differs"
        print(
            f"| {r.fmt} | {r.files} | {r.written} | {r.read} / {r.written} | {r.same_text} | {r.same_polygon} "
            f"| {r.with_baseline} | {order} | {r.explicit_orders} / {r.files} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="a PPOCRLabel folder (Label.txt + images)")
    parser.add_argument("--kraken-python", default="/tmp/kraken-venv/bin/python", help="a Python that has kraken")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--read", type=Path, help=argparse.SUPPRESS)  # internal: run in kraken's Python
    args = parser.parse_args()
    if args.read is not None:
        json.dump(kraken_read(args.read), sys.stdout)
        return 0
    if not (args.eval / "Label.txt").is_file():
        print(f"{args.eval}: no Label.txt", file=sys.stderr)
        return 2
    rows = run(args.eval, args.kraken_python)
    print(f"kraken, torch: {kraken_version(args.kraken_python)}")
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1) + "\n", encoding="utf-8")
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
