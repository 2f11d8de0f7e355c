"""Save a screenshot of the main window with pre-labels on a demo image (offscreen):

    QT_QPA_PLATFORM=offscreen python -m labeler.ui.screenshot [--image resources/demo/receipt_en.png] [--out docs/screenshot_en.png]
    QT_QPA_PLATFORM=offscreen python -m labeler.ui.screenshot --language zh_CN \\
        --image resources/demo/invoice_zh.png --out docs/screenshot_zh.png

The window is 1366 x 768 (the smallest screen it must fit); `--docks all` also shows the KIE and Retrain docks
(advanced options unfolded), to look at the layout with every dock.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def prelabel(folder: Path, model_set: str) -> None:
    """Run OCR on every image of `folder` (here, in this process: there is no window yet) and save."""
    from labeler.core.image_io import read_image
    from labeler.core.model import ImageStatus
    from labeler.core.project import open_project, save_project
    from labeler.ocr.pipeline import OcrPipeline, PipelineOptions

    project = open_project(folder)
    pipeline = OcrPipeline(model_set, PipelineOptions(threads=4))
    for rec in project.records:
        result = pipeline(read_image(project.image_path(rec)))
        rec.regions = [r.to_text_region() for r in result.regions]
        rec.status = ImageStatus.PRELABELLED
        rec.dirty = True
    save_project(project)


def save_screenshot(
    image: Path,
    out: Path,
    model_set: str = "default",
    size: tuple[int, int] = (1366, 768),
    language: str = "en",
    docks: str = "default",
) -> Path:
    from PyQt5.QtWidgets import QApplication

    from labeler.ui import i18n
    from labeler.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        folder.mkdir()
        shutil.copy(image, folder / image.name)
        prelabel(folder, model_set)
        config = os.environ.get("XDG_CONFIG_HOME")
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")  # keep the user's own settings out of the picture
        try:
            window = MainWindow()
        finally:
            if config is None:
                del os.environ["XDG_CONFIG_HOME"]
            else:
                os.environ["XDG_CONFIG_HOME"] = config
        i18n.set_language(language)
        i18n.retranslate(window)
        window.resize(*size)
        window.show()
        window.open_folder(folder)
        ed = window.editor
        low = [i for i, r in enumerate(ed.current.regions) if r.score is not None and r.score < ed.low_score]
        ed.select(low[0] if low else 0)  # show a selected region with its vertex handles
        if docks == "all":
            for _ in range(5):
                app.processEvents()  # the layout settles first, as it has when a user shows the docks
            window.kie.set_enabled(True)
            window.show_retrain()
            window.retrain.advanced_toggle.setChecked(True)
        window.statusBar().clearMessage()  # not the temporary folder's path
        for _ in range(5):
            app.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out)):
            raise OSError(f"cannot write {out}")
        window.close()
    return out


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", type=Path, default=REPO / "resources" / "demo" / "receipt_en.png")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot_en.png")
    parser.add_argument("--models", default="default")
    parser.add_argument("--language", default="en", choices=("en", "zh_CN"))
    parser.add_argument("--docks", default="default", choices=("default", "all"))
    args = parser.parse_args(argv)
    print(save_screenshot(args.image, args.out, args.models, language=args.language, docks=args.docks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
