"""Test doubles for tests/train/test_paddleocr_engine.py: a tiny YAML reader, a fake PaddleOCR checkout, a project.

The fake checkout stands in for external programs CI cannot have (PaddleOCR's tools/train.py and
tools/export_model.py, paddlepaddle's `paddle` package and `paddle.distributed.launch`, the paddle2onnx
executable). Each checks what the real program would need and writes the files it would write, and
records its argv, cwd and CUDA_VISIBLE_DEVICES in $FAKE_RECORD (JSON lines). It proves nothing about
PaddleOCR itself: the tests check the argument lists and configs the engine produces.
"""

from __future__ import annotations

import inspect
import json
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[2]
V4 = REPO / "models" / "ppocrv4-mobile"
V4_REC, V4_DET, V4_DICT = V4 / "ch_PP-OCRv4_rec_infer.onnx", V4 / "ch_PP-OCRv4_det_infer.onnx", V4 / "dict.txt"
FAKE_ENV = (
    "CUDA_VISIBLE_DEVICES",
    "FAKE_PIR",
    "FAKE_NO_BEST",
    "FAKE_TRAIN_FAIL",
    "FAKE_TRAIN_SLEEP",
    "FAKE_IGNORE_TERM",
    "FAKE_CUDA",
    "FAKE_GPUS",
)


def read_yaml(text):
    """The block YAML subset the engine writes, resolved as PyYAML (YAML 1.1) would: maps, '- ' lists,
    [flow, lists], "double quoted" strings with escapes, plain ints / floats (a dot needed) / bools / null.
    Self-contained: the fake train.py embeds this function's source."""
    import re

    int_re = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
    float_re = re.compile(r"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$")
    bools = {"yes": True, "true": True, "on": True, "no": False, "false": False, "off": False}
    escapes = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r", "0": "\0", "/": "/"}

    def quoted(s, i):  # s[i] == '"'; returns (text, index after the closing quote)
        out, i = [], i + 1
        while s[i] != '"':
            if s[i] == "\\":
                c = s[i + 1]
                if c in "xuU":
                    n = {"x": 2, "u": 4, "U": 8}[c]
                    out.append(chr(int(s[i + 2 : i + 2 + n], 16)))
                    i += 2 + n
                    continue
                out.append(escapes[c])
                i += 2
                continue
            out.append(s[i])
            i += 1
        return "".join(out), i + 1

    def plain(s):
        if s in ("", "~", "null", "Null", "NULL"):
            return None
        if s.lower() in bools and s in (s.lower(), s.capitalize(), s.upper()):
            return bools[s.lower()]
        if int_re.match(s):
            return int(s.replace("_", ""))
        if float_re.match(s) and s not in (".", "-.", "+."):
            return float(s.replace("_", ""))
        if s in (".inf", "+.inf"):
            return float("inf")
        if s == "-.inf":
            return float("-inf")
        return s

    def flow(s, i):  # s[i] == '['
        items, i = [], i + 1
        while True:
            while s[i] == " ":
                i += 1
            if s[i] == "]":
                return items, i + 1
            if s[i] == "[":
                item, i = flow(s, i)
            elif s[i] == '"':
                item, i = quoted(s, i)
            else:
                j = i
                while s[j] not in ",]":
                    j += 1
                item, i = plain(s[i:j].strip()), j
            items.append(item)
            while s[i] == " ":
                i += 1
            if s[i] == ",":
                i += 1

    def scalar(s):
        if s.startswith('"'):
            value, end = quoted(s, 0)
            assert end == len(s), s
            return value
        if s.startswith("["):
            value, end = flow(s, 0)
            assert end == len(s), s
            return value
        if s == "{}":
            return {}
        return plain(s)

    def split_key(s):  # "key: rest" / "key:" / '"k": rest' -> (key, rest) or None when s is no key line
        if s.startswith('"'):
            key, end = quoted(s, 0)
        else:
            m = re.match(r"^([^\s\"\[\]{},#:][^:#]*?):(?: |$)", s)
            if not m:
                return None
            key, end = m.group(1), len(m.group(1))
        if s[end : end + 1] != ":" or s[end + 1 : end + 2] not in ("", " "):
            return None
        return key, s[end + 1 :].strip()

    lines = []
    for raw in text.splitlines():
        if raw.strip() and not raw.lstrip().startswith("#"):
            lines.append([len(raw) - len(raw.lstrip(" ")), raw.strip()])

    def node(i, indent):
        return seq(i, indent) if lines[i][1].startswith("- ") else mapping(i, indent)

    def mapping(i, indent):
        out = {}
        while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
            parsed = split_key(lines[i][1])
            assert parsed is not None, f"not a key line: {lines[i][1]!r}"
            key, rest = parsed
            i += 1
            if rest:
                out[key] = scalar(rest)
            elif i < len(lines) and (lines[i][0] > indent or (lines[i][0] == indent and lines[i][1].startswith("- "))):
                out[key], i = node(i, lines[i][0])
            else:
                out[key] = None
        return out, i

    def seq(i, indent):
        out = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            rest = lines[i][1][2:]
            if split_key(rest) is not None:
                lines[i] = [indent + 2, rest]
                item, i = mapping(i, indent + 2)
            else:
                item, i = scalar(rest), i + 1
            out.append(item)
        return out, i

    value, end = node(0, lines[0][0])
    assert end == len(lines), f"unparsed from line {end}: {lines[end]}"
    return value


def write_file(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def bare_checkout(root: Path) -> Path:
    """The files validate_checkout looks for, all empty."""
    for rel in (
        "tools/train.py",
        "tools/export_model.py",
        "configs/rec/PP-OCRv4/ch_PP-OCRv4_rec.yml",
        "ppocr/modeling/backbones/rec_lcnetv3.py",
    ):
        write_file(root / rel)
    return root


RECORD = """
def record(entry):
    with open(os.environ["FAKE_RECORD"], "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\\n")
"""

FAKE_TRAIN = """
args = sys.argv[1:]
cfg_path = args[args.index("-c") + 1]
cfg = read_yaml(open(cfg_path, encoding="utf-8").read())
kind = cfg["Architecture"]["model_type"]
record({"tool": "train", "argv": sys.argv, "cwd": os.getcwd(), "cuda": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "launch_gpus": os.environ.get("FAKE_LAUNCH_GPUS"), "pid": os.getpid()})
g, problems = cfg["Global"], []
if g["pretrained_model"] and not os.path.isfile(g["pretrained_model"] + ".pdparams"):
    problems.append("pretrained_model not found: " + g["pretrained_model"])
if kind == "rec" and not os.path.isfile(g["character_dict_path"]):
    problems.append("dictionary not found")
for part in ("Train", "Eval"):  # what SimpleDataSet / MultiScaleDataSet open
    dataset = cfg[part]["dataset"]
    for label_file in dataset["label_file_list"]:
        for line in open(label_file, encoding="utf-8").read().splitlines():
            if not os.path.isfile(os.path.join(dataset["data_dir"], line.split("\\t")[0])):
                problems.append("image not found: " + line)
if problems:
    print("\\n".join(problems))
    sys.exit(2)
if os.environ.get("FAKE_TRAIN_FAIL"):
    print("Traceback (most recent call last):")
    print("RuntimeError: boom")
    sys.exit(3)
if os.environ.get("FAKE_TRAIN_SLEEP"):
    if os.environ.get("FAKE_IGNORE_TERM"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    record({"tool": "train", "sleeping": True, "pid": os.getpid()})
    time.sleep(float(os.environ["FAKE_TRAIN_SLEEP"]))
print("[2026/11/21 10:00:00] ppocr INFO: epoch: [1/%d], global_step: 2, lr: 0.000100, acc: 0.250000, "
      "loss: 3.500000, avg_reader_cost: 0.01000 s, avg_batch_cost: 0.02000 s, avg_samples: 8.0, "
      "ips: 400.00000 samples/s, eta: 0:00:05" % g["epoch_num"], flush=True)
metric = "acc: 0.5, norm_edit_dis: 0.8" if kind == "rec" else "precision: 0.6, recall: 0.5, hmean: 0.545"
print("[2026/11/21 10:00:01] ppocr INFO: cur metric, %s, fps: 100.0" % metric, flush=True)
os.makedirs(g["save_model_dir"], exist_ok=True)
for prefix in ["latest"] if os.environ.get("FAKE_NO_BEST") == kind else ["best_accuracy", "latest"]:
    open(os.path.join(g["save_model_dir"], prefix + ".pdparams"), "wb").write(b"fake weights")
"""

FAKE_EXPORT = """
args = sys.argv[1:]
opts = dict(o.split("=", 1) for o in args[args.index("-o") + 1:])
record({"tool": "export", "argv": sys.argv, "cwd": os.getcwd(), "cuda": os.environ.get("CUDA_VISIBLE_DEVICES")})
if not os.path.isfile(opts["Global.pretrained_model"] + ".pdparams"):
    print("The pretrained_model file does not exist: " + opts["Global.pretrained_model"])
    sys.exit(1)
out = opts["Global.save_inference_dir"]
os.makedirs(out, exist_ok=True)
for name in ("inference.json" if os.environ.get("FAKE_PIR") else "inference.pdmodel", "inference.pdiparams",
             "inference.yml"):
    open(os.path.join(out, name), "w").write("fake")
"""

FAKE_PADDLE = """
import os, types
__version__ = "3.3.1-fake"
def is_compiled_with_cuda():
    return os.environ.get("FAKE_CUDA", "1") == "1"
device = types.SimpleNamespace(cuda=types.SimpleNamespace(device_count=lambda: int(os.environ.get("FAKE_GPUS", "2"))))
"""

FAKE_LAUNCH = """
args = sys.argv[1:]
record({"tool": "launch", "argv": args, "cwd": os.getcwd()})
gpus, log_dir = args[args.index("--gpus") + 1], args[args.index("--log_dir") + 1]
os.makedirs(log_dir, exist_ok=True)
sys.exit(subprocess.call([sys.executable, *args[args.index("--log_dir") + 2:]],
                         env=dict(os.environ, FAKE_LAUNCH_GPUS=gpus)))
"""

FAKE_PADDLE2ONNX = """
args = sys.argv[1:]
opts = {args[i]: args[i + 1] for i in range(0, len(args), 2)}
record({"tool": "paddle2onnx", "argv": sys.argv[1:]})
for key in ("--model_filename", "--params_filename"):
    if not os.path.isfile(os.path.join(opts["--model_dir"], opts[key])):
        print("no such file: " + opts[key])
        sys.exit(1)
source = %r if os.path.basename(opts["--model_dir"]) == "det" else %r
shutil.copyfile(source, opts["--save_file"])
"""


def _script(body: str, with_reader: bool = False) -> str:
    head = "import json, os, shutil, signal, subprocess, sys, time\n"
    reader = inspect.getsource(read_yaml) if with_reader else ""
    return head + textwrap.dedent(reader) + RECORD + textwrap.dedent(body)


def make_fake_checkout(root: Path, bin_dir: Path) -> Path:
    """The fake checkout at root and a fake paddle2onnx in bin_dir (put bin_dir on PATH, set FAKE_RECORD)."""
    bare_checkout(root)
    write_file(root / "tools" / "train.py", _script(FAKE_TRAIN, with_reader=True))
    write_file(root / "tools" / "export_model.py", _script(FAKE_EXPORT))
    write_file(root / "paddle" / "__init__.py", FAKE_PADDLE)
    write_file(root / "paddle" / "distributed" / "__init__.py")
    write_file(root / "paddle" / "distributed" / "launch.py", _script(FAKE_LAUNCH))
    tool = write_file(
        bin_dir / "paddle2onnx", f"#!{sys.executable}\n" + _script(FAKE_PADDLE2ONNX % (str(V4_DET), str(V4_REC)))
    )
    tool.chmod(0o755)
    return root


def read_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def make_project(tmp_path: Path, n: int = 10) -> Path:
    """A PPOCRLabel folder: n confirmed images (Label.txt), two text lines each."""
    folder = tmp_path / "shop"
    folder.mkdir()
    lines = []
    for i in range(n):
        img = np.full((120, 260, 3), 255, np.uint8)
        cv2.putText(img, f"TOTAL {i}", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 0, 0), 2)
        cv2.putText(img, "CASH", (10, 95), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 0, 0), 2)
        cv2.imwrite(str(folder / f"r{i}.png"), img)
        regions = [
            {"transcription": f"TOTAL {i}", "points": [[5, 12], [200, 12], [200, 50], [5, 50]]},
            {"transcription": "CASH", "points": [[5, 68], [100, 68], [100, 105], [5, 105]]},
        ]
        for region in regions:
            region["difficult"] = False
        lines.append(f"shop/r{i}.png\t{json.dumps(regions)}")
    (folder / "Label.txt").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return folder
