"""PPOCRLabel folders open unchanged and save so PPOCRLabel can still open them (real files in tmp_path)."""

from __future__ import annotations

import builtins
import json
from pathlib import Path

import pytest

from labeler.core.errors import LabelFormatError
from labeler.core.history import AddRegion, History, RemoveRegion, SetStatus, SetText
from labeler.core.model import ImageStatus, TextRegion
from labeler.core.ppocrlabel_format import (
    encode_label_line,
    format_label_line,
    is_canonical_line,
    parse_label_line,
    read_label_file,
)
from labeler.core.project import Project, open_project, save_project

BOX = [[1, 2], [30, 2], [30, 20], [1, 20]]


def region_json(text: str, points=BOX, **extra) -> dict:
    return {"transcription": text, "points": points, "difficult": False, **extra}


def line(key: str, *regions: dict, compact: bool = False) -> str:
    payload = json.dumps(list(regions), ensure_ascii=False, separators=(",", ":") if compact else None)
    return f"{key}\t{payload}\n"


def make_folder(root: Path, images: list[str], name: str = "imgs", **files: str | bytes) -> Path:
    folder = root / name
    folder.mkdir()
    for img in images:
        (folder / img).write_bytes(b"")  # never decoded: opening a project does not read images
    for fname, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / fname.replace("_", ".")).write_bytes(data)
    return folder


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_bytes(text.encode("utf-8"))


def read(folder: Path, name: str) -> bytes:
    return (folder / name).read_bytes()


def test_open_reads_statuses_regions_and_natural_order(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, ["img10.jpg", "img2.jpg", "img1.png", "new.jpg"])
    write(folder, "Label.txt", line("imgs/img2.jpg", region_json("二")))
    write(folder, "Cache.cach", line("imgs/img10.jpg", region_json("ten", [[0.5, 1.0], [9, 1], [9, 5], [0, 5]])))
    write(folder, "fileState.txt", "imgs/img2.jpg\t1\nimgs/img1.png\t1\n")
    project = open_project(folder)
    assert [r.path for r in project.records] == ["img1.png", "img2.jpg", "img10.jpg", "new.jpg"]
    status = {r.path: r.status for r in project.records}
    assert status == {
        "img1.png": ImageStatus.CONFIRMED,  # checked with no boxes: PPOCRLabel writes no Label.txt line
        "img2.jpg": ImageStatus.CONFIRMED,
        "img10.jpg": ImageStatus.PRELABELLED,
        "new.jpg": ImageStatus.NEW,
    }
    assert project.record("img2.jpg").regions[0].transcription == "二"
    assert project.record("img10.jpg").regions[0].points[0] == (0.5, 1.0)
    assert project.record("img1.png").width is None  # sizes are not read at open (speed)
    assert project.errors == [] and project.missing == []


def test_regions_are_parsed_on_first_access(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, ["a.jpg"], Label_txt=line("imgs/a.jpg", region_json("x")))
    rec = open_project(folder).record("a.jpg")
    assert not rec.regions_loaded
    assert rec.regions[0].transcription == "x" and rec.regions_loaded


def test_untouched_lines_stay_byte_identical(tmp_path: Path) -> None:
    lines = [
        line("imgs/a.jpg", region_json("a")),
        line("imgs/b.jpg", region_json("compact", [[1.25, 2], [3, 4], [5, 6]]), compact=True),
        line("imgs/c.jpg", region_json("kie", key_cls="None", score=0.93, custom={"k": [1]})),
        'imgs/d.jpg\t[{"points": [[1, 2], [3, 4], [5, 6]], "transcription": "keys reordered", "difficult": false}]\n',
        line("imgs/e.jpg", region_json("edit me")),
    ]
    folder = make_folder(tmp_path, ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"], Label_txt="".join(lines))
    write(folder, "fileState.txt", "".join(f"imgs/{n}.jpg\t1\n" for n in "abcde"))
    before = read(folder, "Label.txt").split(b"\n")
    project = open_project(folder)
    assert save_project(project).written == []  # nothing changed: nothing rewritten
    History(project.record("e.jpg")).push(SetText(0, "edited"))
    assert save_project(project).written == [folder / "Label.txt"]
    after = read(folder, "Label.txt").split(b"\n")
    assert after[:4] == before[:4]
    assert b'"edited"' in after[4] and after[5:] == before[5:] == [b""]
    assert read(folder, "fileState.txt") == "".join(f"imgs/{n}.jpg\t1\n" for n in "abcde").encode()


def test_edit_then_undo_keeps_the_original_line(tmp_path: Path) -> None:
    raw = 'imgs/a.jpg\t[{"transcription":"x","points":[[1.0,2.0],[3,4],[5,6]],"difficult":false}]\n'
    folder = make_folder(tmp_path, ["a.jpg"], Label_txt=raw)
    project = open_project(folder)
    history = History(project.record("a.jpg"))
    history.push(SetText(0, "y"))
    history.undo()
    save_project(project)
    assert read(folder, "Label.txt").decode() == raw


def test_renamed_folder_loads_and_save_updates_keys_only(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        ["a.jpg", "b.jpg"],
        name="renamed",
        Label_txt=line("old/a.jpg", region_json("a")) + line("old/b.jpg", region_json("b")),
        Cache_cach=line("old/b.jpg", region_json("b-ocr")),
    )
    write(folder, "fileState.txt", "old/a.jpg\t1\nold/b.jpg\t1\n")
    project = open_project(folder)
    assert [r.regions[0].transcription for r in project.records] == ["a", "b"]
    assert all(r.status is ImageStatus.CONFIRMED for r in project.records)
    save_project(project)
    label = read(folder, "Label.txt").decode()
    assert label == line("renamed/a.jpg", region_json("a")) + line("renamed/b.jpg", region_json("b"))
    assert read(folder, "Cache.cach").decode() == line("renamed/b.jpg", region_json("b-ocr"))
    assert read(folder, "fileState.txt") == b"renamed/a.jpg\t1\nrenamed/b.jpg\t1\n"


def test_exact_key_beats_a_file_name_match(tmp_path: Path) -> None:
    label = line("imgs/a.jpg", region_json("exact")) + line("other/a.jpg", region_json("by name"))
    project = open_project(make_folder(tmp_path, ["a.jpg"], Label_txt=label))
    assert project.record("a.jpg").regions[0].transcription == "exact"


def test_absolute_path_filestate_of_a_moved_folder(tmp_path: Path) -> None:
    state = "/home/someone/old/a.jpg\t1\nC:\\Users\\someone\\old\\b.jpg\t1\nold/c.jpg\t1\n"
    folder = make_folder(tmp_path, ["a.jpg", "b.jpg", "c.jpg", "d.jpg"], fileState_txt=state)
    project = open_project(folder)
    assert [r.status for r in project.records] == [ImageStatus.CONFIRMED] * 3 + [ImageStatus.NEW]
    save_project(project)
    assert read(folder, "fileState.txt") == b"imgs/a.jpg\t1\nimgs/b.jpg\t1\nimgs/c.jpg\t1\n"


def test_bad_line_reported_with_file_and_line_and_kept(tmp_path: Path) -> None:
    bad = 'imgs/b.jpg\t[{"transcription": "x", "points": [[1, 2], [3, 4]' + "\n"  # truncated by a crash
    label = line("imgs/a.jpg", region_json("a")) + bad + line("imgs/c.jpg", region_json("c"))
    folder = make_folder(tmp_path, ["a.jpg", "b.jpg", "c.jpg"], Label_txt=label)
    project = open_project(folder)
    assert len(project.errors) == 1
    err = project.errors[0]
    assert isinstance(err, LabelFormatError) and err.line == 2 and err.path.endswith("Label.txt")
    assert "Label.txt:2" in str(err)
    assert project.record("c.jpg").regions[0].transcription == "c"  # the rest loads
    assert project.record("b.jpg").status is ImageStatus.NEW
    for name in ("a.jpg", "c.jpg"):
        History(project.record(name)).push(SetText(0, f"new {name}"))
    save_project(project)
    lines = read(folder, "Label.txt").decode().splitlines(keepends=True)
    assert lines[1] == bad and len(lines) == 3  # never dropped, still in its place


def test_bad_filestate_line_is_reported_and_kept(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, ["a.jpg", "b.jpg"], fileState_txt="garbage without tab\nimgs/a.jpg\t1\n")
    project = open_project(folder)
    assert [(e.line, Path(e.path).name) for e in project.errors] == [(1, "fileState.txt")]
    History(project.record("b.jpg")).push(SetStatus(ImageStatus.CONFIRMED))
    save_project(project)
    assert read(folder, "fileState.txt") == b"garbage without tab\nimgs/a.jpg\t1\nimgs/b.jpg\t1\n"


def test_label_wins_over_cache(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        ["a.jpg"],
        Label_txt=line("imgs/a.jpg", region_json("checked")),
        Cache_cach=line("imgs/a.jpg", region_json("ocr guess")) + "imgs/a.jpg\tnot even json\n",
    )
    project = open_project(folder)
    rec = project.record("a.jpg")
    assert rec.status is ImageStatus.CONFIRMED and rec.regions[0].transcription == "checked"
    History(rec).push(SetText(0, "checked twice"))
    save_project(project)
    # The OCR output stays in Cache.cach, as PPOCRLabel keeps it.
    cache = line("imgs/a.jpg", region_json("ocr guess")) + "imgs/a.jpg\tnot even json\n"
    assert read(folder, "Cache.cach").decode() == cache


@pytest.mark.parametrize("text", ["true", "false", "null", "None", "True", 'say "true"', "a\tb", "\\n"])
def test_json_words_in_transcriptions_survive(tmp_path: Path, text: str) -> None:
    folder = make_folder(tmp_path, ["a.jpg", "b.jpg"], Label_txt=line("imgs/a.jpg", region_json(text)))
    project = open_project(folder)
    assert project.record("a.jpg").regions[0].transcription == text
    History(project.record("b.jpg")).push(AddRegion(TextRegion([(0, 0), (5, 0), (5, 5)], text)))
    History(project.record("b.jpg")).push(SetStatus(ImageStatus.CONFIRMED))
    save_project(project)
    again = open_project(folder)
    assert [r.regions[0].transcription for r in again.records] == [text, text]
    for raw in read(folder, "Label.txt").decode().splitlines():
        assert len(raw.split("\t")) == 2  # PPOCRLabel's reader: `file, label = line.split("\t")`


@pytest.mark.parametrize(
    "payload",
    [
        "__import__('os').system('touch PWNED')",
        "[{'transcription': 'x', 'points': [[1, 2], [3, 4], [5, 6]], 'difficult': False}]",
        '[{"transcription": "x", "points": [[1, 2], [3, 4], [5, 6]], "difficult": False}]',
        '[{"transcription": "x", "points": [[NaN, 2], [3, 4], [5, 6]], "difficult": false}]',
        '[{"transcription": "x", "points": [[1e999, 2], [3, 4], [5, 6]], "difficult": false}]',
        '[{"transcription": "x", "points": [[' + "9" * 400 + ', 2], [3, 4], [5, 6]], "difficult": false}]',
        '[{"transcription": "x", "points": [[true, 2], [3, 4], [5, 6]], "difficult": false}]',
        '[{"transcription": 5, "points": [[1, 2], [3, 4], [5, 6]]}]',
        '{"transcription": "x"}',
        "[" * 100_000,
    ],
)
def test_crafted_or_python_style_lines_are_errors_never_evaluated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payload: str
) -> None:
    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec called on file content")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.chdir(tmp_path)
    raw = f"imgs/a.jpg\t{payload}\n"
    folder = make_folder(tmp_path, ["a.jpg", "b.jpg"], Label_txt=raw)
    project = open_project(folder)
    assert [e.line for e in project.errors] == [1]
    assert not (tmp_path / "PWNED").exists()
    history = History(project.record("b.jpg"))
    history.push(AddRegion(TextRegion([(0, 0), (5, 0), (5, 5)], "b")))
    history.push(SetStatus(ImageStatus.CONFIRMED))
    assert folder / "Label.txt" in save_project(project).written
    assert read(folder, "Label.txt").decode() == raw + line("imgs/b.jpg", region_json("b", [[0, 0], [5, 0], [5, 5]]))


def test_unknown_keys_and_odd_optional_values_are_kept(tmp_path: Path) -> None:
    regions = [region_json("x", key_cls=7, score="high", id=3, linking=[[3, 4]], color="red")]
    project = open_project(make_folder(tmp_path, ["a.jpg"], Label_txt=line("imgs/a.jpg", *regions)))
    reg = project.record("a.jpg").regions[0]
    assert reg.key_cls is None and reg.id == 3 and reg.linking == [[3, 4]]
    assert reg.extra == {"key_cls": 7, "score": "high", "color": "red"}
    back = json.loads(format_label_line("k", [reg]).split("\t", 1)[1])[0]
    assert back == regions[0]


def test_duplicate_lines_later_wins_and_edit_drops_the_shadowed_one(tmp_path: Path) -> None:
    label = line("imgs/a.jpg", region_json("old")) + line("imgs/a.jpg", region_json("new"))
    folder = make_folder(tmp_path, ["a.jpg"], Label_txt=label)
    project = open_project(folder)
    assert project.record("a.jpg").regions[0].transcription == "new"
    History(project.record("a.jpg")).push(SetText(0, "newer"))
    save_project(project)
    assert read(folder, "Label.txt").decode() == line("imgs/a.jpg", region_json("newer"))


def test_lines_of_images_not_in_the_folder_are_kept(tmp_path: Path) -> None:
    label = line("imgs/gone.jpg", region_json("gone")) + line("imgs/a.jpg", region_json("a"))
    folder = make_folder(tmp_path, ["a.jpg"], Label_txt=label, fileState_txt="imgs/gone.jpg\t1\nimgs/a.jpg\t1\n")
    project = open_project(folder)
    assert project.missing == ["imgs/gone.jpg"]
    History(project.record("a.jpg")).push(SetText(0, "b"))
    save_project(project)
    expected = line("imgs/gone.jpg", region_json("gone")) + line("imgs/a.jpg", region_json("b"))
    assert read(folder, "Label.txt").decode() == expected
    assert read(folder, "fileState.txt") == b"imgs/gone.jpg\t1\nimgs/a.jpg\t1\n"


def test_confirming_a_prelabelled_image(tmp_path: Path) -> None:
    cache = line("imgs/a.jpg", region_json("ocr", [[0.4, 1.6], [10.5, 1], [10, 5], [0, 5]]))
    folder = make_folder(tmp_path, ["a.jpg"], Cache_cach=cache)
    project = open_project(folder)
    History(project.record("a.jpg")).push(SetStatus(ImageStatus.CONFIRMED))
    save_project(project)
    # Integer points in Label.txt, as PPOCRLabel writes them; Cache.cach untouched.
    expected = line("imgs/a.jpg", region_json("ocr", [[0, 2], [10, 1], [10, 5], [0, 5]]))
    assert read(folder, "Label.txt").decode() == expected
    assert read(folder, "fileState.txt") == b"imgs/a.jpg\t1\n"
    assert read(folder, "Cache.cach").decode() == cache


def test_unconfirming_moves_regions_to_the_cache(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, ["a.jpg", "b.jpg"], Label_txt=line("imgs/a.jpg", region_json("a")))
    write(folder, "fileState.txt", "imgs/a.jpg\t1\n")
    project = open_project(folder)
    History(project.record("a.jpg")).push(SetStatus(ImageStatus.PRELABELLED))
    save_project(project)
    assert read(folder, "Label.txt") == b"" and read(folder, "fileState.txt") == b""
    assert read(folder, "Cache.cach").decode() == line("imgs/a.jpg", region_json("a"))
    again = open_project(folder)
    assert again.record("a.jpg").status is ImageStatus.PRELABELLED
    assert again.record("a.jpg").regions[0].transcription == "a"


def test_unconfirmed_drawn_regions_are_not_lost(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, ["a.jpg"])
    project = open_project(folder)
    History(project.record("a.jpg")).push(AddRegion(TextRegion([(0, 0), (4, 0), (4, 4), (0, 4)], "drawn")))
    save_project(project)
    assert not (folder / "Label.txt").exists()  # not confirmed: PPOCRLabel's Label.txt is for checked images
    assert open_project(folder).record("a.jpg").regions[0].transcription == "drawn"


def test_confirmed_image_with_all_regions_deleted(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, ["a.jpg"], Label_txt=line("imgs/a.jpg", region_json("a")))
    project = open_project(folder)
    History(project.record("a.jpg")).push(RemoveRegion(0))
    save_project(project)
    assert read(folder, "Label.txt") == b""  # no line for an image without boxes, as in PPOCRLabel
    again = open_project(folder)
    assert again.record("a.jpg").status is ImageStatus.CONFIRMED and again.record("a.jpg").regions == []


def test_removed_image_lines_are_dropped(tmp_path: Path) -> None:
    label = line("imgs/a.jpg", region_json("a")) + line("imgs/b.jpg", region_json("b"))
    folder = make_folder(tmp_path, ["a.jpg", "b.jpg"], Label_txt=label)
    project = open_project(folder)
    project.remove_record("a.jpg")
    save_project(project)
    assert read(folder, "Label.txt").decode() == line("imgs/b.jpg", region_json("b"))
    assert read(folder, "fileState.txt") == b"imgs/b.jpg\t1\n"


def test_crlf_bom_and_line_separators(tmp_path: Path) -> None:
    text = "a\u2028b\u2029c\x85d"
    first = line("imgs/a.jpg", region_json(text)).replace("\n", "\r\n")
    raw = "\ufeff" + first + line("imgs/b.jpg", region_json("b")).replace("\n", "\r\n")
    folder = make_folder(tmp_path, ["a.jpg", "b.jpg"], Label_txt=raw)
    project = open_project(folder)
    assert project.errors == [] and project.record("a.jpg").regions[0].transcription == text
    History(project.record("b.jpg")).push(SetText(0, "B"))
    save_project(project)
    out = read(folder, "Label.txt").decode("utf-8")
    assert out.startswith("\ufeff" + first)
    assert open_project(folder).record("a.jpg").regions[0].transcription == text


def test_lone_surrogate_and_non_utf8_never_break_saving(tmp_path: Path) -> None:
    bad_utf8 = b'imgs/b.jpg\t[{"transcription": "\xff", "points": [[1, 2], [3, 4], [5, 6]], "difficult": false}]\n'
    folder = make_folder(tmp_path, ["a.jpg", "b.jpg"], Label_txt=bad_utf8)
    project = open_project(folder)
    assert [e.line for e in project.errors] == [1] and "UTF-8" in str(project.errors[0])
    rec = project.record("a.jpg")
    History(rec).push(AddRegion(TextRegion([(0, 0), (4, 0), (4, 4)], "x\ud800y")))
    History(rec).push(SetStatus(ImageStatus.CONFIRMED))
    save_project(project)
    assert read(folder, "Label.txt").startswith(bad_utf8)
    assert open_project(folder).record("a.jpg").regions[0].transcription == "x\ud800y"


def test_settings_are_saved_beside_the_labels(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, ["a.jpg"])
    project = open_project(folder)
    project.settings["kie_classes"] = ["name", "date"]
    save_project(project)
    assert open_project(folder).settings == {"kie_classes": ["name", "date"]}
    assert save_project(project).written == []


def test_project_built_in_memory_saves_a_new_folder(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, ["a.jpg"])
    from labeler.core.model import ImageRecord

    regions = [TextRegion([(0, 0), (2, 0), (2, 2)], "m")]
    rec = ImageRecord("a.jpg", status=ImageStatus.CONFIRMED, regions=regions, dirty=True)
    save_project(Project(folder, [rec]))
    assert read(folder, "Label.txt").decode() == line("imgs/a.jpg", region_json("m", [[0, 0], [2, 0], [2, 2]]))


def test_failed_write_keeps_records_dirty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_folder(tmp_path, ["a.jpg"], Label_txt=line("imgs/a.jpg", region_json("a")))
    project = open_project(folder)
    History(project.record("a.jpg")).push(SetText(0, "b"))
    import labeler.core.ppocrlabel_project as io

    def boom(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(io, "atomic_write_bytes", boom)
    with pytest.raises(OSError):
        save_project(project)
    assert project.record("a.jpg").dirty
    monkeypatch.undo()
    save_project(project)
    assert b'"b"' in read(folder, "Label.txt") and not project.is_dirty


@pytest.mark.skipif(not hasattr(__import__("os"), "getuid"), reason="POSIX file modes")
def test_save_keeps_file_mode(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, ["a.jpg"], Label_txt=line("imgs/a.jpg", region_json("a")))
    (folder / "Label.txt").chmod(0o664)
    project = open_project(folder)
    History(project.record("a.jpg")).push(SetText(0, "b"))
    save_project(project)
    assert (folder / "Label.txt").stat().st_mode & 0o777 == 0o664
    assert (folder / "fileState.txt").stat().st_mode & 0o777 != 0o600  # new files get the umask default


def test_read_label_file_api(tmp_path: Path) -> None:
    path = tmp_path / "Label.txt"
    text = line("x/a.jpg", region_json("a")) + "oops\n" + line("x/b.jpg", region_json("b", [[0, 0], [1, 1], [2, 0.5]]))
    path.write_text(text, encoding="utf-8")
    content = read_label_file(path)
    assert [ln.key for ln in content.lines] == ["x/a.jpg", "x/b.jpg"]
    assert [ln.line_no for ln in content.lines] == [1, 3]
    assert content.bad_raw_lines == ["oops"] and content.errors[0].line == 2
    assert content.by_key()["x/b.jpg"][0].points[2] == (2, 0.5)


def test_canonical_check_matches_what_we_write() -> None:
    region = TextRegion([(1, 2), (3.25, 4), (5, 6)], 'q"\\\t\n', key_cls="k", score=0.5, id=2, linking=[[2, 3]])
    region.locked = True
    regions = [region]
    raw = encode_label_line("imgs/a.jpg", regions)
    assert is_canonical_line(raw)
    assert parse_label_line(raw.decode()).regions == regions
    leading_zero = b'k\t[{"transcription": "x", "points": [[01, 2], [3, 4], [5, 6]], "difficult": false}]'
    assert not is_canonical_line(leading_zero)


def test_ppocrlabel_reader_accepts_what_we_write(tmp_path: Path) -> None:
    """PPOCRLabel's loader: readlines, `file, label = line.split("\\t")`, then true/false/null -> Python and
    eval. Simulated with ast.literal_eval (same result on literals, never runs code)."""
    import ast

    folder = make_folder(tmp_path, ["a.jpg", "b.jpg"])
    project = open_project(folder)
    texts = ["tab\there", "new\nline", 'quote " and \\', "\u2028 sep", "发票 😀", "שלום"]
    for name in ("a.jpg", "b.jpg"):
        history = History(project.record(name))
        for i, text in enumerate(texts):
            history.push(AddRegion(TextRegion([(i, 0), (i + 9.6, 0), (i + 9, 5), (i, 5)], text, key_cls="None")))
        history.push(SetStatus(ImageStatus.CONFIRMED))
    save_project(project)
    with open(folder / "Label.txt", encoding="utf-8") as f:  # text mode, as PPOCRLabel reads it
        lines = f.readlines()
    assert len(lines) == 2
    for each in lines:
        file, label = each.split("\t")
        label = label.replace("false", "False").replace("true", "True").replace("null", "None")
        boxes = ast.literal_eval(label)
        assert file.startswith("imgs/") and [b["transcription"] for b in boxes] == texts
        assert all(isinstance(v, int) for b in boxes for pt in b["points"] for v in pt)
    with open(folder / "fileState.txt", encoding="utf-8") as f:
        assert [each.split("\t") for each in f.readlines()] == [["imgs/a.jpg", "1\n"], ["imgs/b.jpg", "1\n"]]
