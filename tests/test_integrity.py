"""verify, archive, history and RFC 3161 timestamps (a local TSA made by the test)."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import invoke_cli, make_jpeg, run_cli, write_case

ENV = {"SOURCE_DATE_EPOCH": "1700000000"}

CASE = """\
evidencekit: 1
case: {id: IN-1, title: Integrity test, prepared_by: Test Shop}
evidence:
  - {kind: product, title: Photo, files: [photo.jpg]}
  - {kind: note, title: Note, description: hello}
"""

TS_CONF = """\
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {dir}
serial = {dir}/serial
crypto_device = builtin
signer_cert = {dir}/tsa.pem
signer_key = {dir}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A TSA on 127.0.0.1: `openssl ts -reply` signing with a test CA made here."""
    d = tmp_path_factory.mktemp("tsa")
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=evidencekit test CA",
        "-days",
        "3650",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
        cwd=d,
    )
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.csr",
        "-subj",
        "/CN=evidencekit test TSA",
        cwd=d,
    )
    (d / "ext.cnf").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=critical,timeStamping\n"
    )
    openssl(
        "x509",
        "-req",
        "-in",
        "tsa.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "tsa.pem",
        "-days",
        "3650",
        "-extfile",
        "ext.cnf",
        cwd=d,
    )
    (d / "chain.pem").write_bytes((d / "tsa.pem").read_bytes() + (d / "ca.pem").read_bytes())
    (d / "serial").write_text("01\n")
    (d / "ts.cnf").write_text(TS_CONF.format(dir=d))
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                (d / "req.tsq").write_bytes(body)
                openssl(
                    "ts",
                    "-reply",
                    "-config",
                    "ts.cnf",
                    "-queryfile",
                    "req.tsq",
                    "-out",
                    "resp.tsr",
                    cwd=d,
                )
                answer = (d / "resp.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsr", d / "ca.pem"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory, tsa: tuple[str, Path]) -> Path:
    case = tmp_path_factory.mktemp("built") / "case"
    make_jpeg(case / "photo.jpg", exif_time="2025:10:01 09:12:00", offset="+08:00")
    manifest = write_case(case, CASE)
    proc = invoke_cli("build", "-q", str(manifest), "--archive", "--tsa", tsa[0], env=ENV)
    assert proc.returncode == 0, proc.stderr
    return case


@pytest.fixture
def built(tmp_path: Path, built_once: Path) -> Path:
    """A copy of the one built case for each test (the tests tamper with it)."""
    shutil.copytree(built_once, tmp_path / "case", symlinks=True)
    return tmp_path / "case/out"


def verify(*args: str) -> subprocess.CompletedProcess[str]:
    proc = invoke_cli("verify", *args)
    assert "Traceback" not in proc.stderr
    return proc


def flip(path: Path, at: int = -100) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_verify_folder_archive_and_token(built: Path, tsa: tuple[str, Path]) -> None:
    ok = verify(str(built), "--tsa-ca", str(tsa[1]), "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    checks = json.loads(ok.stdout)["checks"]
    names = {c["file"] for c in checks}
    assert {"IN-1.pdf", "IN-1.evidence.json", "IN-1.evidence.json.tsr"} <= names
    token = next(c for c in checks if c["file"] == "IN-1.evidence.json.tsr (token)")
    assert token["status"] == "OK" and "signature and chain valid" in token["expected"]
    assert any(c["file"].endswith("photo.jpg") and c["status"] == "OK" for c in checks)
    assert any("embedded copy" in c["file"] and c["status"] == "OK" for c in checks)
    archive = built / "IN-1.archive.zip"
    assert verify(str(archive), "--tsa-ca", str(tsa[1])).returncode == 0
    # The recipient's own check, without evidencekit.
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        assert {
            "case/case.yaml",
            "case/photo.jpg",
            "dossier/IN-1.pdf",
            "dossier/SHA256SUMS",
            "dossier/IN-1.evidence.json.tsr",
            "dossier/IN-1.history.jsonl",
            "build-record.json",
            "HOW-TO-VERIFY.txt",
        } <= names
        assert all(not n.startswith("/") and ".." not in n for n in names)
        zf.extractall(built / "x")
    sums = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"],
        cwd=built / "x/dossier",
        capture_output=True,
        text=True,
        check=False,
    )
    assert sums.returncode == 0, sums.stdout
    ts = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-in",
            "IN-1.evidence.json.tsr",
            "-data",
            "IN-1.evidence.json",
            "-CAfile",
            str(tsa[1]),
        ],
        cwd=built / "x/dossier",
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Verification: OK" in ts.stdout, ts.stdout + ts.stderr
    how = (built / "x/HOW-TO-VERIFY.txt").read_text()
    assert "sha256sum -c SHA256SUMS" in how and "openssl ts -verify" in how


@pytest.mark.parametrize("target", ["IN-1.pdf", "source", "IN-1.evidence.json", "token"])
def test_tampering_is_named(built: Path, tsa: tuple[str, Path], target: str) -> None:
    path = {"source": built.parent / "photo.jpg", "token": built / "IN-1.evidence.json.tsr"}.get(
        target, built / target
    )
    flip(path, -2 if target == "IN-1.evidence.json" else -100)
    bad = verify(str(built), "--tsa-ca", str(tsa[1]))
    assert bad.returncode == 1
    assert f"altered: {'case/photo.jpg' if target == 'source' else path.name}" in bad.stderr, (
        bad.stderr
    )


def test_token_tampering_fails_the_token_check(built: Path, tsa: tuple[str, Path]) -> None:
    token = built / "IN-1.evidence.json.tsr"
    flip(token, len(token.read_bytes()) // 2)
    res = json.loads(verify(str(built), "--tsa-ca", str(tsa[1]), "--json").stdout)
    row = next(c for c in res["checks"] if c["file"] == "IN-1.evidence.json.tsr (token)")
    assert row["status"] == "ALTERED" and not res["ok"]


def test_archive_tampering_and_missing(built: Path, tmp_path: Path) -> None:
    archive = built / "IN-1.archive.zip"
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "case/photo.jpg":
                data = data[:-10] + bytes(b ^ 1 for b in data[-10:])
            dst.writestr(info, data)
    proc = verify(str(bad))
    assert proc.returncode == 1 and "altered: case/photo.jpg" in proc.stderr
    (built / "IN-1.pdf").unlink()
    gone = verify(str(built))
    assert gone.returncode == 1 and "missing: IN-1.pdf" in gone.stderr


def test_archives_identical_and_history(tmp_path: Path, tsa: tuple[str, Path]) -> None:
    make_jpeg(tmp_path / "case/photo.jpg")
    manifest = write_case(tmp_path / "case", CASE)
    archives = []
    for n, cli in enumerate((invoke_cli, run_cli)):  # byte-identical in another process too
        proc = cli("archive", str(manifest), "-o", str(tmp_path / f"o{n}"), env=ENV)
        assert proc.returncode == 0, proc.stderr
        archives.append((tmp_path / f"o{n}/IN-1.archive.zip").read_bytes())
    assert archives[0] == archives[1]
    # a rebuild at another time is another submission: history grows by one line
    proc = invoke_cli(
        "build",
        "-q",
        str(manifest),
        "-o",
        str(tmp_path / "o0"),
        env={"SOURCE_DATE_EPOCH": "1700003600"},
    )
    assert proc.returncode == 0
    lines = (tmp_path / "o0/IN-1.history.jsonl").read_text().splitlines()
    assert len(lines) == 2
    entry = json.loads(lines[-1])
    assert entry["prepared_by"] == "Test Shop" and len(entry["pdf_sha256"]) == 64
    shutil.rmtree(tmp_path / "o1")


# ---------------------------------------------------------------- the TSA is bounded


def test_manifest_tsa_must_be_http(tmp_path: Path) -> None:
    text = CASE + "output:\n  timestamp: {tsa: 'file:///etc/passwd'}\n"
    make_jpeg(tmp_path / "case/photo.jpg")
    manifest = write_case(tmp_path / "case", text)
    proc = invoke_cli("validate", str(manifest))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "case.yaml:7:" in proc.stderr and "http(s)" in proc.stderr, proc.stderr


@pytest.mark.parametrize("url", ["notaurl", "file:///etc/passwd", "http://:99999/x"])
def test_cli_tsa_must_be_a_url(tmp_path: Path, url: str) -> None:
    make_jpeg(tmp_path / "case/photo.jpg")
    manifest = write_case(tmp_path / "case", CASE)
    proc = invoke_cli("build", "-q", str(manifest), "--tsa", url)
    assert proc.returncode == 2 and "--tsa" in proc.stderr, proc.stderr
    assert not (tmp_path / "case/out").exists()


def test_endless_tsa_body_is_capped() -> None:
    from evidencekit.outputs.timestamp import TimestampError, request_token

    sent = {"bytes": 0}

    class Endless(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.end_headers()
            try:
                while sent["bytes"] < 64 << 20:  # stops by itself if the client never does
                    self.wfile.write(b"\0" * 65536)
                    sent["bytes"] += 65536
            except OSError:
                return

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/tsr"
        with pytest.raises(TimestampError, match="more than"):
            request_token(b"record", url, timeout=20, cap=1 << 20)
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- privacy on every path out

PRIVATE = """\
evidencekit: 1
case:
  id: PV-1
  title: Privacy test
  privacy: {mask: [phone], mask_columns: [地址]}
evidence:
  - kind: product
    title: Listing
    files: [shot.png]
    redact: [{file: shot.png, boxes: [[10, 10, 100, 40]]}]
  - kind: transaction
    title: Orders
    table: {file: orders.csv}
  - kind: chat
    title: Chat
    transcript: chat.csv
    participants: {buyer1: buyer, shop: seller}
"""
PHONE = "13812345678"
ORDERS = (
    f"订单编号,买家,电话,地址\n1001,buyer1,{PHONE},上海市张江路100号\n"
    "1002,other,13900001111,北京市某路1号\n"
)
CHAT = (
    f"time,sender,message\n2025-10-01 09:00,buyer1,call me on {PHONE}\n2025-10-01 09:05,shop,ok\n"
)


def _private_case(root: Path) -> Path:
    from PIL import Image

    root.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (300, 200), "white").save(root / "shot.png")
    return write_case(root, PRIVATE, {"orders.csv": ORDERS, "chat.csv": CHAT})


def _leaks(blob: bytes) -> bool:
    return PHONE.encode() in blob or "张江路".encode() in blob


def test_originals_leave_masked_and_redacted(tmp_path: Path) -> None:
    import io

    from PIL import Image

    from evidencekit.pdf.attach import list_attachments

    m = _private_case(tmp_path / "case")
    proc = invoke_cli("build", "-q", str(m), "--embed-originals", "--archive", env=ENV)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "case/out"
    attached = list_attachments(out / "PV-1.pdf")
    assert "orders.csv.masked.csv" in attached and "chat.csv.masked.csv" in attached
    assert "orders.csv" not in attached and "shot.png" not in attached
    assert not any(_leaks(blob) for blob, _ in attached.values())
    assert b"138****5678" in attached["orders.csv.masked.csv"][0]
    redacted = next(n for n in attached if n.startswith("shot.png.redacted"))
    img = Image.open(io.BytesIO(attached[redacted][0])).convert("RGB")
    assert img.size == (300, 200) and img.getpixel((50, 30)) == (0, 0, 0)
    assert img.getpixel((200, 150)) == (255, 255, 255)
    record = json.loads((out / "PV-1.evidence.json").read_text())
    by_path = {s["path"]: s for s in record["sources"]}
    went = by_path["orders.csv"]["outgoing"]
    assert went["holds"] == "rendition" and went["how"] == "masked"
    assert went["original_sha256"] == by_path["orders.csv"]["sha256"]
    assert len(went["files"][0]["sha256"]) == 64
    assert by_path["shot.png"]["outgoing"]["how"] == "redacted"
    assert record["options"]["include_unmasked_originals"] is False
    with zipfile.ZipFile(out / "PV-1.archive.zip") as zf:
        names = set(zf.namelist())
        assert "case/orders.csv" not in names and "case/chat.csv" not in names
        assert "case/shot.png" not in names and "case/orders.csv.masked.csv" in names
        assert not any(_leaks(zf.read(n)) for n in names if n.startswith("case/"))
    assert verify(str(out / "PV-1.archive.zip")).returncode == 0
    assert verify(str(out)).returncode == 0  # against the case folder's originals
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(out / "PV-1.pdf", alone)
    res = verify(str(alone / "PV-1.pdf"), "--json")
    assert res.returncode == 0, res.stdout
    rows = json.loads(res.stdout)["checks"]
    assert any(r["file"] == "embedded orders.csv.masked.csv" and r["status"] == "OK" for r in rows)


def test_raw_originals_only_by_name(tmp_path: Path) -> None:
    import pypdf

    from evidencekit.pdf.attach import list_attachments

    m = _private_case(tmp_path / "case")
    proc = invoke_cli(
        "build",
        "-q",
        str(m),
        "--embed-originals",
        "--archive",
        "--include-unmasked-originals",
        env=ENV,
    )
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "case/out"
    attached = list_attachments(out / "PV-1.pdf")
    assert _leaks(attached["orders.csv"][0])
    record = json.loads((out / "PV-1.evidence.json").read_text())
    assert record["options"]["include_unmasked_originals"] is True
    assert all(s["outgoing"]["holds"] == "original" for s in record["sources"])
    cover = pypdf.PdfReader(out / "PV-1.pdf").pages[0].extract_text()
    assert "unmasked" in cover.replace("\n", " ")
    assert verify(str(out / "PV-1.archive.zip")).returncode == 0
