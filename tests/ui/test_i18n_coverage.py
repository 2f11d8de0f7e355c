"""Every text the UI passes through tr() has a Chinese translation, and the zh_CN window shows no English.

The catalogue check reads labeler/ui/*.py with `ast`: calls tr("...", CTX), noop_tr("...", CTX) and module
wrappers like `def _tr(text): return tr(text, CTX)`, with the context resolved from the module's constants.
"""

from __future__ import annotations

import ast
import re
import string
from collections import defaultdict
from pathlib import Path

import pytest
from PyQt5.QtCore import Qt

from labeler.core.settings import BUNDLED_MODEL_SETS
from labeler.ui import i18n
from labeler.ui.export_actions import ExportDialog
from labeler.ui.panels import FILTERS

UI = Path(i18n.__file__).resolve().parent
TR_FUNCTIONS = {"tr", "noop_tr"}
LATIN = re.compile("[A-Za-z]")
ENGLISH = (
    "image",
    "confirmed",
    "pre-labelled",
    "new",
    "All images",
    "Region",
    "score",
    "Transcription",
    "Score",
    "Difficult",
    "px",
    "Zoom",
    "regions",
    "Loading",
    "Model",
)


def has_cjk(text: str) -> bool:
    return any(0x4E00 <= ord(c) <= 0x9FFF for c in text)


def _func_name(func) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def collect_tr_calls(source: str, filename: str = "<source>") -> dict[tuple[str, str], str]:
    """(context, source text) -> 'file:line' of every tr() / noop_tr() / module wrapper call with a literal text."""
    tree = ast.parse(source, filename)
    constants = {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }

    def context_of(node) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id in constants:
            return constants[node.id]
        raise AssertionError(f"{filename}:{node.lineno}: the context of a tr() call is not a literal or a constant")

    wrappers = {}  # def _tr(text): return tr(text, CTX)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and len(node.body) == 1 and isinstance(node.body[0], ast.Return):
            call = node.body[0].value
            if isinstance(call, ast.Call) and _func_name(call.func) == "tr" and len(call.args) == 2:
                wrappers[node.name] = context_of(call.args[1])

    found: dict[tuple[str, str], str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        text = node.args[0]
        if not (isinstance(text, ast.Constant) and isinstance(text.value, str)):
            continue  # a variable: its literal is marked with noop_tr where it is defined
        name = _func_name(node.func)
        if name in TR_FUNCTIONS:
            given = (
                node.args[1]
                if len(node.args) > 1
                else next((k.value for k in node.keywords if k.arg == "context"), None)
            )
            context = i18n.CONTEXT if given is None else context_of(given)
        elif name in wrappers:
            context = wrappers[name]
        else:
            continue
        found.setdefault((context, text.value), f"{filename}:{node.lineno}")
    return found


def ui_tr_calls() -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for path in sorted(UI.glob("*.py")):
        for key, where in collect_tr_calls(path.read_text(encoding="utf-8"), path.name).items():
            found.setdefault(key, where)
    return found


def missing_translations(found: dict[tuple[str, str], str], table: dict) -> list[str]:
    return sorted(
        f"{where}: [{context}] {text!r}" for (context, text), where in found.items() if (context, text) not in table
    )


@pytest.fixture(scope="module")
def zh_table() -> dict[tuple[str, str], str]:
    return i18n.load_ts(i18n.ts_path("zh_CN"))


def test_every_tr_text_in_the_ui_has_a_chinese_translation(zh_table):
    found = ui_tr_calls()
    # the collector reads the real modules: a few texts it must see, from each way of marking them
    for key in [
        ("ImagePanel", "{n} images"),
        ("ImagePanel", "All images ({n})"),
        ("RegionTable", "Transcription"),
        ("CorrectionPanel", "Region {n}"),
        ("MainWindow", "Zoom {percent:.0f}%"),
        ("ImageLoader", "Loading..."),
        ("SettingsDialog", "Language"),
        ("RetrainPanel", "Start retraining"),
    ]:
        assert key in found, key
    assert len(found) > 200
    assert missing_translations(found, zh_table) == []
    assert [name for name in BUNDLED_MODEL_SETS if ("SettingsDialog", name) not in zh_table] == []  # tr(name)


def test_the_catalogue_check_reports_a_text_without_translation(zh_table):
    source = """
CTX = "ImagePanel"
def _tr(text):
    return tr(text, CTX)
LABELS = (noop_tr("new", CTX),)
a = tr("{n} images", CTX)
b = _tr("A text nobody translated")
c = i18n.tr("Open image folder")
d = tr("Also untranslated", context="Editor")
e = tr(some_variable, CTX)
"""
    found = collect_tr_calls(source, "sample.py")
    assert set(found) == {
        ("ImagePanel", "new"),
        ("ImagePanel", "{n} images"),
        ("MainWindow", "Open image folder"),
        ("ImagePanel", "A text nobody translated"),
        ("Editor", "Also untranslated"),
    }
    assert missing_translations(found, zh_table) == [
        "sample.py:7: [ImagePanel] 'A text nobody translated'",
        "sample.py:9: [Editor] 'Also untranslated'",
    ]
    with pytest.raises(AssertionError, match="not a literal"):
        collect_tr_calls("x = tr('Saved', make_context())")


def _fields(text: str) -> list[tuple]:
    return sorted(
        (name, conversion, spec) for _lit, name, spec, conversion in string.Formatter().parse(text) if name is not None
    )


def test_translations_keep_the_placeholders_and_menu_texts_map_back(zh_table):
    assert [src for (_ctx, src), dst in zh_table.items() if _fields(src) != _fields(dst)] == []
    sources = defaultdict(set)
    for (_ctx, src), dst in zh_table.items():
        sources[dst].add(src)
    # i18n.remember_sources maps a shown menu / dock text back to its English source: it must be unambiguous
    ambiguous = [src for (ctx, src), dst in zh_table.items() if ctx == i18n.CONTEXT and len(sources[dst]) > 1]
    assert ambiguous == []


# ---------------------------------------------------------------------- the window in Chinese


@pytest.fixture(autouse=True)
def settings_file(tmp_path, monkeypatch) -> Path:
    """Each test has its own (empty) settings folder and ends in English."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    yield tmp_path / "cfg" / "labeler" / "settings.json"
    i18n.set_language("en")


def shown_texts(window) -> dict[str, str]:
    """The texts under test: image list counts and filter, region table headers, correction line, status bar."""
    header = window.regions.horizontalHeader()
    texts = {
        "counts": window.images.counts.text(),
        "size": window.size_label.text(),
        "zoom": window.zoom_label.text(),
        "count": window.count_label.text(),
        "model": window.model_switch.label.text(),
        "correction": window.correction.info.text(),
    }
    for i in range(window.images.filter.count()):
        texts[f"filter {i}"] = window.images.filter.itemText(i)
    for i in range(header.count()):
        texts[f"header {i}"] = header.model().headerData(i, Qt.Horizontal, Qt.DisplayRole)
    return texts


def assert_chinese(texts: dict[str, str]) -> None:
    for what, text in texts.items():
        assert has_cjk(text), (what, text)
        assert not LATIN.search(text), (what, text)  # none of "1 image", "Zoom", "px", "Score"...
        assert not any(phrase in text for phrase in ENGLISH), (what, text)


def _open_with_low_region(make_window, folder):
    window = make_window(folder)
    window.editor.select(1)  # img1's second region: score 0.61, low confidence
    return window


def test_switching_to_chinese_translates_lists_tables_and_status_bar(make_window, project_folder, qtbot):
    window = _open_with_low_region(make_window, project_folder)
    qtbot.wait(200)  # the fit-to-window zoom follows the layout, which settles a few loop turns after showing
    english = shown_texts(window)
    assert english["counts"] == "3 images\n1 confirmed · 1 pre-labelled · 1 new"
    assert english["correction"] == "Region 2 · score 0.61 · low confidence"
    assert [english[f"filter {i}"] for i in range(len(FILTERS))] == [
        "All images (3)",
        "New (1)",
        "Pre-labelled (1)",
        "Confirmed (1)",
    ]

    window.settings_controller.save_and_apply(window.user_settings.with_changes(language="zh_CN"))
    qtbot.waitUntil(lambda: has_cjk(window.images.counts.text()))  # LanguageChange is a posted event
    chinese = shown_texts(window)
    assert_chinese(chinese)
    assert chinese["counts"] == "3 张图片\n已确认 1 · 已预标注 1 · 未标注 1"
    assert chinese["filter 0"] == "全部图片 (3)" and chinese["header 1"] == "识别结果"
    assert chinese["correction"] == "标注框 2 · 置信度 0.61 · 低置信度"
    assert chinese["size"] == "900 × 320 像素" and chinese["count"] == "2 个标注框 · 已预标注"

    window.editor.undo()  # nothing to undo: a status message, in Chinese too
    assert window.statusBar().currentMessage() == "没有可撤销的操作"
    window.editor.step(1)  # labels follow the new image in Chinese
    assert window.images.counts.text() == chinese["counts"]
    assert window.count_label.text() == "1 个标注框 · 已确认"

    window.settings_controller.save_and_apply(window.user_settings.with_changes(language="en"))
    window.editor.step(-1)
    window.editor.select(1)
    qtbot.waitUntil(lambda: not has_cjk(window.images.counts.text()))
    # Back to exactly the English texts, once the re-laid-out window has fitted the image again (zoom).
    qtbot.waitUntil(lambda: shown_texts(window) == english, timeout=5000)
    assert shown_texts(window) == english


def test_window_built_in_chinese_shows_chinese_at_once(make_window, project_folder, settings_file, qtbot):
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text('{"language": "zh_CN"}', encoding="utf-8")
    make_window()  # installs the Chinese translator from the settings file
    window = _open_with_low_region(make_window, project_folder)
    assert_chinese(shown_texts(window))
    assert has_cjk(ExportDialog("", window).windowTitle())  # dialogs translate when they are made

    window.image_loader.sync_max_pixels = 0  # the next image is decoded on the thread: "Loading..." meanwhile
    window.editor.step(1)
    assert window.size_label.text() == "正在加载..."
    qtbot.waitUntil(lambda: window.size_label.text() == "900 × 320 像素")

    window.kie.set_enabled(True)  # KIE mode: its region table and selected-region line
    window.editor.select(0)
    panel = window.kie.panel
    headers = [panel.table.horizontalHeaderItem(i).text() for i in range(panel.table.columnCount())]
    assert headers == ["序号", "文字", "类别"]
    assert panel.selected_label.text().startswith("标注框 1：关键类别")
    assert has_cjk(panel.classes_hint.text()) and has_cjk(panel.new_class.placeholderText())
