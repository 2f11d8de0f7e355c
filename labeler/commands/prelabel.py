"""`labeler prelabel DIR`: pre-label every image of a folder into PPOCRLabel's Cache.cach.

Label.txt and fileState.txt are never touched; confirmed images are skipped; images already in
Cache.cach are skipped unless --force. Cache.cach is saved atomically at most a second behind,
so an interrupt (Ctrl+C, or even a kill) keeps everything finished before it. Saves merge under the
folder lock with what other writers (an open window) saved: an image they changed meanwhile keeps
their version, and the window shows the new pre-labels as they land.
Without --models, a folder with an active trained model (`labeler train`) is pre-labelled with it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from labeler.commands._common import add_model_options, make_pipeline, require_folder, resolve_models
from labeler.core.errors import UnusableFileNameError

SAVE_EVERY_S = 1.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    # "resolve": the --models given below replaces add_model_options' own, with another default and help.
    p = sub.add_parser(
        "prelabel", help="pre-label a folder of images into Cache.cach", description=__doc__, conflict_handler="resolve"
    )
    p.add_argument("folder", type=Path, metavar="DIR")
    p.add_argument("--force", action="store_true", help="re-label images already in Cache.cach")
    p.add_argument("--show", action="store_true", help="print what was read in each image at the end")
    add_model_options(p)
    p.add_argument(
        "--models",
        default=None,  # not given: the folder's own trained model may apply (_choose_models)
        metavar="NAME|PATH",
        help="model set (a name, or a folder with a manifest.json); default: the folder's active "
        "trained version (labeler train), else $LABELER_MODELS, else 'default'",
    )
    p.set_defaults(run=run)


def _choose_models(args: argparse.Namespace, folder: Path) -> None:
    """Fill in args.models when it was not given: the project's active version, else the usual default."""
    if args.models is not None:
        return
    from labeler.ocr.project_models import active_model_dir, active_version

    active = active_model_dir(folder)
    if active is not None:
        version = active_version(folder)
        gain = ""
        if version is not None and version.zero_edit("base") is not None and version.zero_edit() is not None:
            gain = f", zero_edit {version.zero_edit('base'):.3f} -> {version.zero_edit():.3f} on held-out images"
        print(
            f"using this folder's trained model {active.name} ({active}{gain}); --models default for the bundled set",
            file=sys.stderr,
        )
        args.models = str(active)
    else:
        args.models = os.environ.get("LABELER_MODELS", "default")


class Progress:
    """One status line: done/total, rate, ETA. Rewritten in place on a terminal, else every few seconds."""

    def __init__(self, total: int, stream=None):
        self.total, self.stream = total, stream or sys.stderr
        self.start = time.perf_counter()
        self.last_print = 0.0
        self.tty = self.stream.isatty()

    def update(self, done: int, name: str, final: bool = False) -> None:
        now = time.perf_counter()
        if not final and not self.tty and now - self.last_print < 5.0 and done != 1:
            return
        self.last_print = now
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed
        eta = (self.total - done) / rate if rate > 0 else 0.0
        line = f"[{done}/{self.total}] {rate:.2f} img/s, ETA {int(eta) // 60}:{int(eta) % 60:02d}  {name}"
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120) + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def run(args: argparse.Namespace) -> int:
    from labeler.core.image_io import read_image
    from labeler.core.model import ImageStatus
    from labeler.core.project import open_project
    from labeler.ocr.batch import ocr_images

    folder: Path = args.folder
    require_folder(folder)
    if args.models is not None:  # a mistyped set name is a usage error even when there is nothing to do
        resolve_models(args.models)
    # The project reader knows which images are confirmed or cached, also under an old folder name.
    project = open_project(folder)
    unusable = [str(err) for err in project.errors if isinstance(err, UnusableFileNameError)]
    for err in project.errors:
        if isinstance(err, UnusableFileNameError):
            print(f"labeler prelabel: error: {err}", file=sys.stderr)
        else:
            print(f"labeler prelabel: warning: {err} (line kept as it is)", file=sys.stderr)
    skip = {ImageStatus.CONFIRMED} if args.force else {ImageStatus.CONFIRMED, ImageStatus.PRELABELLED}
    todo = [rec for rec in project.records if rec.status not in skip]
    skipped = len(project.records) - len(todo)
    print(
        f"{folder}: {len(project.records)} images, {len(todo)} to pre-label, {skipped} skipped "
        f"(confirmed or already cached{'' if args.force else '; --force redoes cached ones'})",
        file=sys.stderr,
    )
    if not todo:
        return 1 if unusable else 0
    _choose_models(args, folder)
    pipe = make_pipeline(args)
    pipe.load()
    progress = Progress(len(todo))
    failures: list[str] = []
    yielded: list[str] = []
    shown: list[tuple[str, list[str]]] = []
    by_image = {project.image_path(rec): rec for rec in todo}
    last_save = time.perf_counter()
    done = 0
    try:
        for item in ocr_images(pipe, list(by_image), read_image):
            path = item.path
            if item.error is not None:
                failures.append(str(item.error))
                print(f"\nlabeler prelabel: error: {item.error}", file=sys.stderr)
            else:
                regions = item.result.regions
                store_prelabels(project, by_image[path], [r.to_text_region() for r in regions])
                if args.show:
                    shown.append((path.name, [r.text for r in regions]))
            done += 1
            progress.update(done, path.name, final=done == len(todo))
            if project.is_dirty and time.perf_counter() - last_save >= SAVE_EVERY_S:
                yielded += save_prelabels(project)
                last_save = time.perf_counter()
    finally:
        # Also on Ctrl+C: everything finished so far lands in a valid Cache.cach.
        if project.is_dirty:
            yielded += save_prelabels(project)
    for name, texts in shown:
        preview = " | ".join(texts[:6]) + (" | ..." if len(texts) > 6 else "")
        print(f"{name}: {len(texts)} regions: {preview}")
    cache_path = folder / "Cache.cach"
    print(
        f"pre-labelled {done - len(failures) - len(yielded)} images into {cache_path}; "
        f"{len(failures) + len(unusable)} failed"
        + (f"; {len(yielded)} left as another writer saved them meanwhile" if yielded else ""),
        file=sys.stderr,
    )
    for f in unusable + failures:
        print(f"  failed: {f}", file=sys.stderr)
    return 1 if failures or unusable else 0


def store_prelabels(project, rec, regions) -> None:
    """Put one image's OCR result into its record, unless it is confirmed."""
    from labeler.core.model import ImageStatus

    with project.lock:
        if rec.status is ImageStatus.CONFIRMED:
            return  # confirmed meanwhile by another writer (taken in at the last save)
        rec.regions = regions
        rec.status = ImageStatus.PRELABELLED
        rec.mark_edited()


def save_prelabels(project) -> list[str]:
    """Save the new pre-labels (Cache.cach only); images another writer changed meanwhile keep their version."""
    from labeler.core.project import save_project
    from labeler.core.project_merge import ConflictRule

    result = save_project(project, ConflictRule.PRELABELS)
    if result.took_over is not None:
        print(f"\n{result.messages()[0]}", file=sys.stderr)
    return [c.path for c in result.merge.conflicts]
