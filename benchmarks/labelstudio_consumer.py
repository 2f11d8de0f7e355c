"""Round trip through a real Label Studio server: import labeler's tasks, export them back, convert back.

    python benchmarks/labelstudio_consumer.py --label-studio /tmp/ls-venv/bin/label-studio
                                              [--eval ../shared/eval/public] [--port 18090] [--json PATH]

Starts Label Studio (its default sqlite database, in a temporary data folder, bound to 127.0.0.1), logs
in with a session, makes an OCR-template project and imports labeler's Label Studio JSON of the eval set,
with every other image pre-labelled (so it goes in as a prediction) and the rest confirmed (annotations).
Then exports the project three ways and reads each export back with labeler's reader:
- quick: Label Studio's default JSON export (GET .../export?exportType=JSON): annotated tasks only;
- all tasks: the same with download_all_tasks=true: predictions come as ids only, which labeler reports;
- snapshot: an export snapshot with serialization_options.predictions.only_id=false, the full predictions.
Each row counts the regions that came back with the same text and corners (within 0.01 px: Label
Studio keeps percentages) and the images whose confirmed / pre-labelled status came back. Every request
has a timeout; the server is stopped at the end whatever happened.

Label Studio (it pulls no CUDA build):
    python3 -m venv /tmp/ls-venv && /tmp/ls-venv/bin/pip install label-studio==1.23.2
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import IO

from labeler.core.formats import read_records
from labeler.core.formats.labelstudio import read_labelstudio, write_labelstudio
from labeler.core.model import ImageRecord, ImageStatus

REPO = Path(__file__).resolve().parents[1]

DEFAULT_EVAL = REPO.parent / "shared" / "eval" / "public"
REQUEST_TIMEOUT_S = 60
START_TIMEOUT_S = 240
EXPORT_TIMEOUT_S = 300
USER, PASSWORD = "labeler@example.com", "labeler-consumer-1"
OCR_CONFIG = """<View>
  <Image name="image" value="$ocr" zoom="true"/>
  <Labels name="label" toName="image"><Label value="Text"/><Label value="Handwriting"/></Labels>
  <Rectangle name="bbox" toName="image" strokeWidth="3"/>
  <Polygon name="poly" toName="image" strokeWidth="3"/>
  <TextArea name="transcription" toName="image" editable="true" perRegion="true" required="true"
            maxSubmissions="1" rows="5" placeholder="Recognized Text" displayMode="region-list"/>
</View>"""


class Client:
    """Session-authenticated JSON requests to one Label Studio server (legacy tokens are off by default)."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def _csrf(self) -> str:
        return next((c.value or "" for c in self.cookies if c.name == "csrftoken"), "")

    def request(self, method: str, path: str, body: object = None, form: dict | None = None) -> bytes:
        headers = {"X-CSRFToken": self._csrf(), "Referer": self.base + "/"}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        with self.opener.open(req, timeout=REQUEST_TIMEOUT_S) as resp:
            return resp.read()

    def json(self, method: str, path: str, body: object = None) -> object:
        return json.loads(self.request(method, path, body) or b"null")

    def login(self) -> None:
        self.request("GET", "/user/login/")
        self.request(
            "POST", "/user/login/", form={"email": USER, "password": PASSWORD, "csrfmiddlewaretoken": self._csrf()}
        )
        self.json("GET", "/api/current-user/whoami")  # raises (401/403) when the login did not take


def start_server(exe: str, data_dir: Path, port: int, log: IO[bytes]) -> subprocess.Popen:
    env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir), "COLLECT_ANALYTICS": "false", "SENTRY_DSN": ""}
    args = [exe, "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port)]
    args += ["--data-dir", str(data_dir), "--username", USER, "--password", PASSWORD]
    return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=data_dir)


def wait_up(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"Label Studio exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=5) as resp:
                if b"UP" in resp.read():
                    return
        except OSError:
            pass
        time.sleep(2)
    raise SystemExit(f"Label Studio not up after {START_TIMEOUT_S} s")


def half_prelabelled(records: list[ImageRecord]) -> list[ImageRecord]:
    """Every other image pre-labelled (a prediction in Label Studio), the rest confirmed."""
    status = (ImageStatus.CONFIRMED, ImageStatus.PRELABELLED)
    return [replace(rec, status=status[i % 2], regions=list(rec.regions)) for i, rec in enumerate(records)]


@dataclass
class Row:
    export: str
    tasks: int
    regions_sent: int
    regions_back: int  # with the same text and corners
    images_status_kept: int
    images: int
    id_only_warned: int  # tasks labeler reported as having predictions listed by id only


def compare(name: str, sent: list[ImageRecord], path: Path) -> Row:
    warnings: list[str] = []
    back = {rec.path: rec for rec in read_labelstudio(path, warnings=warnings)}
    row = Row(name, len(back), sum(len(r.regions) for r in sent), 0, 0, len(sent), 0)
    row.id_only_warned = sum(
        "by id only" in w and "task" in w and "(" in w for w in warnings if "have predictions" not in w
    )
    for rec in sent:
        got = back.get(rec.path)
        if got is None:
            continue
        row.images_status_kept += got.status == rec.status
        for want, have in zip(rec.regions, got.regions):
            same_points = len(want.points) == len(have.points) and all(
                abs(a - c) <= 0.01 and abs(b - d) <= 0.01 for (a, b), (c, d) in zip(want.points, have.points)
            )
            row.regions_back += same_points and want.transcription == have.transcription
    return row


def snapshot(client: Client, project: int, out: Path) -> None:
    body = {"title": "labeler", "serialization_options": {"predictions": {"only_id": False}}}
    created = client.json("POST", f"/api/projects/{project}/exports", body)
    assert isinstance(created, dict)
    export_id = created["id"]
    deadline = time.monotonic() + EXPORT_TIMEOUT_S
    while True:
        info = client.json("GET", f"/api/projects/{project}/exports/{export_id}")
        if isinstance(info, dict) and info.get("status") == "completed":
            break
        if time.monotonic() > deadline or (isinstance(info, dict) and info.get("status") == "failed"):
            raise SystemExit(f"export snapshot {export_id}: {info}")
        time.sleep(1)
    out.write_bytes(client.request("GET", f"/api/projects/{project}/exports/{export_id}/download?exportType=JSON"))


def run(exe: str, eval_dir: Path, port: int) -> list[Row]:
    sent = half_prelabelled(read_records("ppocrlabel", eval_dir, image_dir=eval_dir))
    with tempfile.TemporaryDirectory(prefix="ls-consumer-") as tmp:
        tmp_dir = Path(tmp)
        tasks_file = write_labelstudio(sent, tmp_dir / "tasks.json", image_url_prefix="/data/local-files/?d=")
        with open(tmp_dir / "server.log", "wb") as log:
            return _round_trip(exe, tmp_dir, port, log, sent, tasks_file)


def _round_trip(
    exe: str, tmp_dir: Path, port: int, log: IO[bytes], sent: list[ImageRecord], tasks_file: Path
) -> list[Row]:
    base = f"http://127.0.0.1:{port}"
    proc = start_server(exe, tmp_dir, port, log)
    try:
        wait_up(base, proc)
        client = Client(base)
        client.login()
        return _exports(client, tmp_dir, sent, tasks_file)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _exports(client: Client, tmp_dir: Path, sent: list[ImageRecord], tasks_file: Path) -> list[Row]:
    project = client.json("POST", "/api/projects", {"title": "labeler round trip", "label_config": OCR_CONFIG})
    assert isinstance(project, dict)
    pid = project["id"]
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    print("import:", client.json("POST", f"/api/projects/{pid}/import", tasks))
    exports = {
        "quick (defaults)": f"/api/projects/{pid}/export?exportType=JSON",
        "all tasks": f"/api/projects/{pid}/export?exportType=JSON&download_all_tasks=true",
    }
    rows: list[Row] = []
    for name, url in exports.items():
        out = tmp_dir / f"{len(rows)}.json"
        out.write_bytes(client.request("GET", url))
        rows.append(compare(name, sent, _as_prefix_free(out)))
    snap = tmp_dir / "snapshot.json"
    snapshot(client, pid, snap)
    rows.append(compare("snapshot, predictions in full", sent, _as_prefix_free(snap)))
    return rows


def _as_prefix_free(path: Path) -> Path:
    """The export with the local-files prefix taken off the image URLs, as `convert --image-url-prefix` does."""
    text = path.read_text(encoding="utf-8").replace("/data/local-files/?d=", "")
    path.write_text(text, encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label-studio", default="/tmp/ls-venv/bin/label-studio", help="the label-studio command")
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="a PPOCRLabel folder (Label.txt + images)")
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    rows = run(args.label_studio, args.eval, args.port)
    print("| export | tasks | regions back (same text and corners) | status kept | id-only predictions reported |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r.export} | {r.tasks} | {r.regions_back} / {r.regions_sent} | {r.images_status_kept} / {r.images} "
            f"| {r.id_only_warned} |"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
