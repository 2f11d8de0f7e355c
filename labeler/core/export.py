"""Export confirmed annotations as PaddleOCR training data: det lists, rec crops, dictionary, KIE, splits.

Layout of OUT (self-contained; every list path is relative to OUT, so data_dir = OUT everywhere):

    OUT/images/<image path>              the images (byte copies; EXIF-rotated ones written upright)
    OUT/det/{train,val,test}.txt         images/<path>\\t[{"transcription", "points"}, ...]
    OUT/det/det_gt.txt                   all splits together
    OUT/rec/crops/<stem>_crop_<i>.jpg    one crop per usable region (i = region index in its image)
    OUT/rec/{train,val,test}.txt         rec/crops/<stem>_crop_<i>.jpg\\t<text>
    OUT/rec/rec_gt.txt                   all splits together
    OUT/rec/dict.txt                     the characters used, one per line (space left to use_space_char)
    OUT/kie/{train,val,test}.txt         XFUND-style SER/RE labels (only when regions carry key classes)
    OUT/kie/class_list.txt
    OUT/report.json                      counts, skipped regions by reason, fixes, missing characters

In a PaddleOCR config: Train.dataset.data_dir: OUT, Train.dataset.label_file_list: [OUT/det/train.txt]
(or OUT/rec/train.txt), Eval.* the same with val.txt. Splits are by image (labeler.core.split), so
det, rec and KIE lists agree and no crop shares a split with another split's image.
"""

from __future__ import annotations

import contextlib
import errno
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from labeler.core.atomic import atomic_write_text
from labeler.core.dictionary import count_chars, format_dict, missing_chars
from labeler.core.errors import ExportError
from labeler.core.export_det import format_det_line
from labeler.core.export_images import (
    IMAGE_MODES,
    CropItem,
    CropSettings,
    ImageDone,
    ImageJob,
    init_worker,
    run_image_jobs,
)
from labeler.core.export_kie import class_list, format_kie_line, kie_entries
from labeler.core.export_rec import CROP_FORMATS, SKIP_TOO_LONG, VerticalRule, crop_stems, rec_text
from labeler.core.export_report import REPORT_FORMAT, ExportReport, ImageIssue, RegionIssue
from labeler.core.export_swap import ExportSwap, OutFolderError
from labeler.core.model import DONT_CARE_TEXTS, ImageRecord, ImageStatus
from labeler.core.project import open_project
from labeler.core.split import SPLIT_NAMES, SplitRatios, assign_splits

ProgressFn = Callable[[int, int], None]
EXPORT_ENTRIES = frozenset({"images", "det", "rec", "kie", "report.json"})  # what OUT's top level may hold
NO_SPACE_ERRNOS = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if e)
CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class ExportOptions:
    split: SplitRatios = SplitRatios()
    seed: int = 0
    rec_max_len: int = 25  # PaddleOCR's Global.max_text_length
    keep_long: bool = False  # keep texts longer than rec_max_len (PaddleOCR would drop them at train time)
    vertical: str = "ccw"  # ccw | cw | keep: how crops with height >= vertical_ratio x width are turned
    vertical_ratio: float = 1.5
    crop_format: str = "jpg"  # jpg (quality below) | png
    jpeg_quality: int = 95
    images: str = "copy"  # copy | link
    dict_path: str | None = None  # the recognizer's dictionary, for the missing-characters report
    use_space_char: bool = True
    kie: bool | None = None  # None: write KIE labels when any region has a key class
    kie_classes: tuple[str, ...] = ()  # predefined class order for class_list.txt
    difficult_as_dont_care: bool = False  # det: write difficult regions as ###
    include_unconfirmed: bool = False  # also export pre-labelled images (OCR output nobody checked)
    workers: int | None = None  # processes; None: the machine's cores, at most 8

    def validate(self) -> None:
        if self.rec_max_len < 1:
            raise ExportError(f"rec max length must be >= 1, got {self.rec_max_len}")
        if self.crop_format not in CROP_FORMATS:
            raise ExportError(f"crop format must be one of {CROP_FORMATS}, got {self.crop_format!r}")
        if not 1 <= self.jpeg_quality <= 100:
            raise ExportError(f"JPEG quality must be 1..100, got {self.jpeg_quality}")
        if self.images not in IMAGE_MODES:
            raise ExportError(f"images must be one of {IMAGE_MODES}, got {self.images!r}")
        VerticalRule(self.vertical, self.vertical_ratio)

    def worker_count(self) -> int:
        return max(1, self.workers if self.workers is not None else min(8, os.cpu_count() or 1))


@dataclass
class _Planned:
    """One image's share of the lists, decided before its pixels are read."""

    record: ImageRecord
    split: str
    rec: list[tuple[int, str, str]] = field(default_factory=list)  # (region index, crop path rel. to OUT, text)


# --------------------------------------------------------------------------- loading a PPOCRLabel folder


def load_confirmed_records(
    project_dir: str | Path, include_unconfirmed: bool = False
) -> tuple[list[ImageRecord], list[str]]:
    """The records of a PPOCRLabel folder (labeler.core.project.open_project: Label.txt, Cache.cach,
    fileState.txt) and its "file:line: reason" errors. export_dataset keeps the confirmed ones
    (and the pre-labelled ones with include_unconfirmed, for which a Cache.cach alone will do).
    """
    folder = Path(project_dir)
    has_prelabels = include_unconfirmed and (folder / "Cache.cach").is_file()
    if not (folder / "Label.txt").is_file() and not has_prelabels:
        hint = (
            ""
            if include_unconfirmed
            else "; only pre-labels (Cache.cach)? add --include-unconfirmed, or confirm them with `labeler confirm`"
        )
        raise ExportError(f"{folder / 'Label.txt'}: not found (is {folder} a PPOCRLabel image folder?){hint}")
    project = open_project(folder)
    return list(project.records), [str(e) for e in project.errors]


# --------------------------------------------------------------------------- the export


def export_project(
    project_dir: str | Path,
    out_dir: str | Path,
    options: ExportOptions | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ExportReport:
    """Load a PPOCRLabel folder's confirmed images and export them (see export_dataset)."""
    unconfirmed = options is not None and options.include_unconfirmed
    records, errors = load_confirmed_records(project_dir, include_unconfirmed=unconfirmed)
    report = export_dataset(records, project_dir, out_dir, options, progress, cancel, input_errors=errors)
    return report


def image_splits(records: Sequence[ImageRecord], options: ExportOptions | None = None) -> dict[str, str]:
    """{image path: split} exactly as export_dataset splits the det / rec lists of `records` with `options`
    (same records kept, same seed): the table export uses it, so an image's tables share its det split."""
    options = options or ExportOptions()
    wanted = {ImageStatus.CONFIRMED} | ({ImageStatus.PRELABELLED} if options.include_unconfirmed else set())
    chosen = _usable_records(records, wanted, ExportReport(out_dir=""))
    return assign_splits([r.path for r in chosen], options.split, options.seed)


def export_dataset(
    records: Sequence[ImageRecord],
    image_dir: str | Path,
    out_dir: str | Path,
    options: ExportOptions | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    input_errors: Sequence[str] = (),
) -> ExportReport:
    """Write det / rec / dict / KIE lists of `records` (paths relative to image_dir) into out_dir.

    Only confirmed records are exported unless options.include_unconfirmed. The export is transactional
    (labeler.core.export_swap): it is written into a folder beside out_dir and swapped in at the end, so a
    killed, failed (ExportError, e.g. a full disk) or cancelled export leaves an earlier export in out_dir
    exactly as it was. A cancelled export into a new out_dir leaves only report.json (cancelled set).
    With workers > 1 the images go through a forkserver process pool, so a script calling this
    needs the usual `if __name__ == "__main__":` guard.
    """
    started = time.perf_counter()
    options = options or ExportOptions()
    options.validate()
    image_dir, out = Path(image_dir), Path(out_dir)
    _check_out_dir(out, image_dir)
    report = ExportReport(out_dir=str(out), options=_options_json(options), input_errors=list(input_errors))
    with ExportSwap(out, _is_previous_export, EXPORT_ENTRIES) as swap:
        report.recovered = list(swap.notes)
        try:
            if not _build(records, image_dir, out, swap.work, options, report, progress, cancel):
                report.cancelled = True
                if swap.previous:
                    report.seconds = time.perf_counter() - started
                    return report  # the earlier export stays exactly as it was
                swap.clear_work()
            report.seconds = time.perf_counter() - started
            _write_report(swap.work, report)
            swap.commit()
        except OSError as exc:
            raise _write_error(out, exc) from exc
    return report


def _build(
    records: Sequence[ImageRecord],
    image_dir: Path,
    out: Path,
    work: Path,
    options: ExportOptions,
    report: ExportReport,
    progress: ProgressFn | None,
    cancel: CancelFn | None,
) -> bool:
    """Write the export into `work` (lists name paths relative to it; overrides name `out`); False if cancelled."""
    wanted = {ImageStatus.CONFIRMED} | ({ImageStatus.PRELABELLED} if options.include_unconfirmed else set())
    chosen = _usable_records(records, wanted, report)
    report.images_in = len(chosen) + len(report.skipped_images)
    planned = _plan(chosen, options, report)
    settings = CropSettings(
        VerticalRule(options.vertical, options.vertical_ratio),
        options.crop_format,
        options.jpeg_quality,
        options.images,
    )
    jobs = [_job(p, image_dir, work) for p in planned]
    results = _run_jobs(jobs, settings, options.worker_count(), progress, cancel)
    if results is None:
        return False
    exported = _collect(planned, results, report)
    _write_lists(exported, work, options, report)
    report.paddleocr = _paddleocr_overrides(out, report)
    return True


def _write_error(out: Path, exc: OSError) -> ExportError:
    if exc.errno in NO_SPACE_ERRNOS:  # which file hit it does not matter: the whole export needs the space
        return ExportError(f"{out}: no space left on the device for the export; nothing in {out} was changed")
    where = f" ({exc.filename})" if exc.filename else ""
    return ExportError(f"{out}: cannot write the export: {exc.strerror or exc}{where}; nothing in {out} was changed")


def _write_report(out: Path, report: ExportReport) -> None:
    atomic_write_text(out / "report.json", json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n")


def _plan(chosen: list[ImageRecord], options: ExportOptions, report: ExportReport) -> list[_Planned]:
    """Split each image and decide each region's rec text and crop name, reporting fixes and skips."""
    splits = assign_splits([r.path for r in chosen], options.split, options.seed)
    stems = crop_stems(r.path for r in chosen)
    planned = []
    for record in chosen:
        plan = _Planned(record, splits[record.path])
        for i, region in enumerate(record.regions):
            decision = rec_text(region, options.rec_max_len, options.keep_long)
            if decision.fixed_from is not None:
                report.fixed_texts.append(
                    RegionIssue(record.path, i, "tab_or_newline", decision.text or "", decision.fixed_from)
                )
            if decision.too_long:
                action = "kept" if options.keep_long else "dropped"
                detail = f"{action}: longer than {options.rec_max_len}"
                report.long_texts.append(RegionIssue(record.path, i, SKIP_TOO_LONG, region.transcription, detail))
            if decision.text is None:
                reason = decision.skip_reason or ""
                report.skipped_regions.append(RegionIssue(record.path, i, reason, region.transcription))
                continue
            plan.rec.append((i, f"rec/crops/{stems[record.path]}_crop_{i}.{options.crop_format}", decision.text))
        planned.append(plan)
    return planned


def _check_out_dir(out: Path, image_dir: Path) -> None:
    # The rest (a file, a foreign non-empty folder, files beside an earlier export) is checked under the lock.
    target, images = out.resolve(), image_dir.resolve()
    if target == images:
        raise OutFolderError(f"{out}: the output folder cannot be the image folder itself")
    if target in images.parents:
        raise OutFolderError(
            f"{out}: the image folder {image_dir} is inside it, and an export replaces the whole folder"
        )


def _is_previous_export(out: Path) -> bool:
    try:
        return json.loads((out / "report.json").read_text("utf-8")).get("format") == REPORT_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def _options_json(options: ExportOptions) -> dict:
    data = asdict(options)
    data["split"] = list(options.split.as_tuple())
    data["kie_classes"] = list(options.kie_classes)
    return data


def _usable_records(records: Sequence[ImageRecord], wanted: set, report: ExportReport) -> list[ImageRecord]:
    """The records to export; the others (bad paths, duplicates, no regions) go to the report."""
    chosen, seen = [], set()
    for record in records:
        if record.status not in wanted:
            continue
        path = record.path.replace("\\", "/")
        parts = PurePosixPath(path).parts
        if not path or path.startswith("/") or ".." in parts or any(c in path for c in "\t\r\n"):
            report.skipped_images.append(
                ImageIssue(record.path, "path must be relative, inside the folder, without tabs or line breaks")
            )
        elif path in seen:
            report.skipped_images.append(ImageIssue(record.path, "listed twice (first entry used)"))
        elif not record.regions:
            report.skipped_images.append(ImageIssue(record.path, "no regions (PaddleOCR drops such images)"))
        else:
            seen.add(path)
            chosen.append(
                record
                if path == record.path
                else ImageRecord(path, record.width, record.height, record.status, record.regions)
            )
    return chosen


def _job(plan: _Planned, image_dir: Path, out: Path) -> ImageJob:
    record = plan.record
    regions = record.regions
    root = f"{out}{os.sep}"  # plain strings: pathlib per crop costs seconds on 50,000 crops
    crops = tuple(
        CropItem(i, tuple((float(x), float(y)) for x, y in regions[i].points), root + rel) for i, rel, _ in plan.rec
    )
    return ImageJob(record.path, str(image_dir / record.path), str(out / "images" / record.path), crops)


def _pool_context() -> multiprocessing.context.BaseContext:
    # Never plain fork: native thread pools (OpenCV, onnxruntime, Qt) leave locks held in the child, which
    # then hangs. The forkserver is a fresh process that preloads cv2 once, so workers still start fast.
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["labeler.core.export_images"])
    return ctx


@contextlib.contextmanager
def _no_cwd_on_child_path():
    """Start pool processes without the working directory on sys.path (PYTHONSAFEPATH, Python 3.11+).

    The forkserver / spawn child starts as `python -c ...`, which puts the working directory first: a folder
    named `labeler` there (e.g. the one holding a clone) shadowed the package and every worker died.
    """
    old = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTHONSAFEPATH", None)
        else:
            os.environ["PYTHONSAFEPATH"] = old


def _run_jobs(
    jobs: list[ImageJob], settings: CropSettings, workers: int, progress: ProgressFn | None, cancel: CancelFn | None
) -> list[ImageDone] | None:
    """Run the image jobs in batches, in a process pool when workers > 1; None when cancelled."""
    total = len(jobs)
    done: list[ImageDone] = []
    if progress:
        progress(0, total)
    batch = max(1, min(32, total // (max(workers, 1) * 8) or 1))
    batches = [jobs[i : i + batch] for i in range(0, total, batch)]
    if workers <= 1 or len(batches) <= 1:
        for chunk in batches:
            if cancel and cancel():
                return None
            done += run_image_jobs(chunk, settings)
            if progress:
                progress(len(done), total)
        return done
    ctx = _pool_context()
    parent_alive, alive_writer = ctx.Pipe(duplex=False)  # workers exit when they read EOF: this process died
    try:
        with (
            _no_cwd_on_child_path(),
            ProcessPoolExecutor(workers, mp_context=ctx, initializer=init_worker, initargs=(parent_alive,)) as pool,
        ):
            try:
                return _gather(pool, batches, settings, total, progress, cancel)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # a full disk: stop, do not run the other batches
                raise
    finally:
        alive_writer.close()
        parent_alive.close()


def _gather(
    pool: ProcessPoolExecutor,
    batches: list[list[ImageJob]],
    settings: CropSettings,
    total: int,
    progress: ProgressFn | None,
    cancel: CancelFn | None,
) -> list[ImageDone] | None:
    done: list[ImageDone] = []
    pending = {pool.submit(run_image_jobs, chunk, settings) for chunk in batches}
    while pending:
        finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        for future in finished:
            try:
                done += future.result()
            except BrokenProcessPool as exc:
                raise ExportError(f"an export worker process died ({exc}); nothing was written") from None
        if progress and finished:
            progress(len(done), total)
        if cancel and cancel():
            pool.shutdown(wait=True, cancel_futures=True)
            return None
    return done


def _collect(planned: list[_Planned], results: list[ImageDone], report: ExportReport) -> list[_Planned]:
    """Drop images that failed and crops that could not be cut, reporting both."""
    by_key = {r.key: r for r in results}
    exported = []
    for plan in planned:
        result = by_key[plan.record.path]
        if result.error is not None:
            report.skipped_images.append(ImageIssue(plan.record.path, result.error))
            continue
        report.reencoded_images += int(result.reencoded)
        if result.failed:
            failed = dict(result.failed)
            for i, reason in result.failed:
                text = plan.record.regions[i].transcription
                report.skipped_regions.append(RegionIssue(plan.record.path, i, reason, text))
            plan.rec = [entry for entry in plan.rec if entry[0] not in failed]
        exported.append(plan)
    report.images_exported = len(exported)
    return exported


def _write_lists(exported: list[_Planned], out: Path, options: ExportOptions, report: ExportReport) -> None:
    det: dict[str, list[str]] = {name: [] for name in SPLIT_NAMES}
    rec: dict[str, list[str]] = {name: [] for name in SPLIT_NAMES}
    kie: dict[str, list[str]] = {name: [] for name in SPLIT_NAMES}
    write_kie = options.kie if options.kie is not None else any(r.key_cls for p in exported for r in p.record.regions)
    labels: set[str] = set()
    for plan in exported:
        summary = report.splits[plan.split]
        regions = plan.record.regions
        image_rel = f"images/{plan.record.path}"
        det[plan.split].append(format_det_line(image_rel, regions, options.difficult_as_dont_care))
        summary.images += 1
        summary.det_regions += len(regions)
        summary.dont_care += sum(
            1 for r in regions if r.transcription in DONT_CARE_TEXTS or (options.difficult_as_dont_care and r.difficult)
        )
        rec[plan.split] += [f"{rel}\t{text}" for _, rel, text in plan.rec]
        summary.rec_crops += len(plan.rec)
        if write_kie:
            entries = kie_entries(regions)
            labels |= entries.labels
            report.kie_notes += [
                RegionIssue(plan.record.path, n.index, n.reason, regions[n.index].transcription, n.detail)
                for n in entries.notes
            ]
            if entries.entries:
                kie[plan.split].append(format_kie_line(image_rel, entries.entries))
                summary.kie_regions += len(entries.entries)

    texts = [text for p in exported for _, _, text in p.rec]
    chars = count_chars(texts)
    report.space_used = " " in chars
    report.chars_used = len([c for c in chars if c != " "]) if options.use_space_char else len(chars)
    if options.dict_path:
        report.missing_chars = missing_chars(texts, options.dict_path, options.use_space_char)

    for kind, lists, total_name in (("det", det, "det_gt.txt"), ("rec", rec, "rec_gt.txt")):
        (out / kind).mkdir(exist_ok=True)
        for name in SPLIT_NAMES:
            _write_list(out / kind / f"{name}.txt", lists[name])
            report.files[f"{kind}_{name}"] = f"{kind}/{name}.txt"
        _write_list(out / kind / total_name, [line for name in SPLIT_NAMES for line in lists[name]])
        report.files[f"{kind}_all"] = f"{kind}/{total_name}"
    atomic_write_text(out / "rec" / "dict.txt", format_dict(chars, options.use_space_char))
    report.files["rec_dict"] = "rec/dict.txt"
    if write_kie:
        (out / "kie").mkdir(exist_ok=True)
        for name in SPLIT_NAMES:
            _write_list(out / "kie" / f"{name}.txt", kie[name])
            report.files[f"kie_{name}"] = f"kie/{name}.txt"
        report.kie_classes = class_list(labels, options.kie_classes)
        atomic_write_text(out / "kie" / "class_list.txt", "".join(f"{c}\n" for c in report.kie_classes))
        report.files["kie_class_list"] = "kie/class_list.txt"


def _write_list(path: Path, lines: list[str]) -> None:
    atomic_write_text(path, "".join(f"{line}\n" for line in lines))


def _paddleocr_overrides(out: Path, report: ExportReport) -> dict[str, list[str]]:
    """`tools/train.py -o` overrides that point a stock PaddleOCR config at this export."""
    root = out.resolve().as_posix()
    result = {}
    for kind in ("det", "rec", "kie"):
        if f"{kind}_train" not in report.files:
            continue
        result[kind] = [
            f"Train.dataset.data_dir={root}",
            f"Train.dataset.label_file_list=['{root}/{kind}/train.txt']",
            f"Eval.dataset.data_dir={root}",
            f"Eval.dataset.label_file_list=['{root}/{kind}/val.txt']",
        ]
    if "rec" in result:
        # Fine-tuning keeps the model's own dictionary (a new one re-initialises the head); dict.txt is for new models.
        result["rec"].append(f"Global.max_text_length={report.options.get('rec_max_len', 25)}")
        result["rec_new_dictionary"] = [f"Global.character_dict_path={root}/rec/dict.txt"]
    if "kie" in result:
        result["kie"].append(f"Architecture.Backbone.num_classes={2 * len(report.kie_classes) - 1}")
        result["kie"].append(f"PostProcess.class_path={root}/kie/class_list.txt")
        result["kie_note"] = [
            f"also set class_path: {root}/kie/class_list.txt in the VQATokenLabelEncode "
            "transform of Train and Eval (a list entry -o cannot reach)"
        ]
    return result
