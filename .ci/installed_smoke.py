"""Run by .ci/run with the Python of a fresh venv that has only the built wheel: the installed app must work
from a directory outside the checkout. Usage: python installed_smoke.py DEMO_IMAGE

1. `labeler ocr DEMO_IMAGE` prints the demo's text (the bundled default set is found inside the package).
2. `labeler models check default` passes.
3. The window starts offscreen with the Chinese UI for a few seconds and shows a translated string.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def labeler(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("labeler")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=300)


def main() -> int:
    image = Path(sys.argv[1]).resolve()
    work = Path(tempfile.mkdtemp(prefix="labeler-installed-"))
    os.chdir(work)
    (work / "labeler").mkdir()  # a folder named like the package in the working directory must not matter
    import labeler as package

    assert "site-packages" in package.__file__, f"not the installed package: {package.__file__}"
    ocr = labeler("ocr", str(image))
    assert ocr.returncode == 0, ocr.stderr
    assert "GREENLEAF MARKET" in ocr.stdout, ocr.stdout
    print(f"ocr from {work}: {len(ocr.stdout.splitlines())} lines, first {ocr.stdout.splitlines()[0]!r}")
    check = labeler("models", "check", "default")
    assert check.returncode == 0, check.stdout + check.stderr
    print(check.stdout.strip().splitlines()[-1])

    config = work / "config"
    (config / "labeler").mkdir(parents=True)
    (config / "labeler" / "settings.json").write_text(json.dumps({"language": "zh_CN"}), encoding="utf-8")
    env = dict(os.environ, XDG_CONFIG_HOME=str(config), QT_QPA_PLATFORM="offscreen")
    code = (
        "import sys\n"
        "from PyQt5.QtCore import QTimer\n"
        "from PyQt5.QtWidgets import QApplication\n"
        "qapp = QApplication(sys.argv[:1])\n"  # before the timer: Qt timers need the application's thread
        "from labeler.ui import app\n"
        "def check():\n"
        "    windows = [w for w in QApplication.topLevelWidgets() if hasattr(w, 'editor')]\n"
        "    titles = [a.text() for w in windows for a in w.menuBar().actions()]\n"
        "    print('menus:', titles, flush=True)\n"
        "    qapp.exit(0 if any('文件' in t for t in titles) else 3)\n"
        "QTimer.singleShot(3000, check)\n"
        "sys.exit(app.run_gui(sys.argv[1]))\n"
    )
    demo = work / "demo"  # a copy: the window may write its label files into the folder
    demo.mkdir()
    for src in image.parent.iterdir():
        if src.suffix.lower() in (".png", ".jpg"):
            (demo / src.name).write_bytes(src.read_bytes())
    gui = subprocess.run([sys.executable, "-c", code, str(demo)], capture_output=True, text=True, env=env, timeout=120)
    print(gui.stdout.strip())
    assert gui.returncode == 0, f"window: exit {gui.returncode}\n{gui.stdout}\n{gui.stderr}"
    print("installed wheel: ocr, models check and the Chinese window work outside the checkout")
    return 0


if __name__ == "__main__":
    sys.exit(main())
