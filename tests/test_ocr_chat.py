"""Chat screenshots to messages (--ocr): a chat exhibit of screenshots and no transcript gets
its messages read off them (side by bubble, time from the stamps above) onto the timeline and
into the evidence JSON, marked as recognised text; a transcript, where there is one, wins.

One build of a few small generated chat screens serves the module."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from evidencekit.ocr.chat import chat_messages
from evidencekit.ocr.engine import TextLine
from evidencekit.ocr.scan import Known, find
from evidencekit.pipeline import BuildOptions, build
from tests.conftest import write_case
from tests.ocr_screens import chat_with_times

TZ = ZoneInfo("Asia/Shanghai")
PHONE = "13812345678"
FIRST = [
    ("time", "2025-10-18 10:36"),
    ("left", "你好，我买的衣服颜色不对"),
    ("right", "亲，请发一下照片"),
    ("left", "照片已发送\n请尽快处理"),
    ("time", "下午 3:05"),
    ("right", "已为您登记退货"),
]
SECOND = [("time", "09:12"), ("left", f"Call me at {PHONE}"), ("right", "好的，马上联系您")]
# what the two screens say: (time, role, text), a two-line bubble one message
EXPECTED = [
    ("2025-10-18T10:36:00+08:00", "buyer", "你好，我买的衣服颜色不对"),
    ("2025-10-18T10:36:00+08:00", "seller", "亲，请发一下照片"),
    ("2025-10-18T10:36:00+08:00", "buyer", "照片已发送 请尽快处理"),
    ("2025-10-18T15:05:00+08:00", "seller", "已为您登记退货"),
    ("2025-10-19T09:12:00+08:00", "buyer", "Call me at"),  # the number masked
    ("2025-10-19T09:12:00+08:00", "seller", "好的，马上联系您"),
]

CASE = """\
evidencekit: 1
case:
  id: OCR-C
  title: 聊天识别
  profile: generic
  language: zh-CN
  timezone: Asia/Shanghai
  privacy: {mask: [phone]}
evidence:
  - kind: chat
    title: 聊天截图
    files: [chat/1.png, chat/2.png]
  - kind: chat
    title: 有导出的聊天
    files: [exported/1.png]
    transcript: exported/export.txt
    participants: {tb_buyer_8861: buyer, 客服小美: seller}
"""

EXPORT = "2025-10-20 08:00:00 tb_buyer_8861\n导出的消息\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("ocrchat")
    manifest = write_case(folder, CASE, {"exported/export.txt": EXPORT})
    chat_with_times(folder / "chat/1.png", FIRST)
    chat_with_times(folder / "chat/2.png", SECOND)
    chat_with_times(
        folder / "exported/1.png", [("time", "2025-10-20 08:00"), ("left", "导出的消息")]
    )
    result = build(manifest, BuildOptions(out_dir=folder / "out", ocr=True))
    record = json.loads(result.json_path.read_text(encoding="utf-8"))
    text = "\n".join(p.extract_text() for p in PdfReader(result.pdf_path).pages)
    return {"record": record, "text": re.sub(r"\s+", "", text)}


def _recognised(built: dict[str, Any], rel: str) -> list[dict[str, Any]]:
    source = next(s for s in built["record"]["sources"] if s["path"] == rel)
    return list(source.get("rendition", {}).get("ocr", {}).get("recognised_messages", []))


def test_messages_read_off_the_screenshots(built: dict[str, Any]) -> None:
    got = _recognised(built, "chat/1.png") + _recognised(built, "chat/2.png")
    assert [(m["at"], m["role"]) for m in got] == [(at, role) for at, role, _ in EXPECTED]
    for m, (_, _, text) in zip(got, EXPECTED, strict=True):
        assert m["text"].replace(" ", "").startswith(text.replace(" ", "")), m
    assert PHONE not in json.dumps(built["record"], ensure_ascii=False)  # masked there too
    assert "其他编号" not in built["text"]  # time stamps are no numbers for the index


def test_messages_on_the_timeline_marked_as_recognised(built: dict[str, Any]) -> None:
    text = built["text"].replace("•", "·")  # the middle dot comes out of the PDF as a bullet
    assert "2025-10-1815:05识别文字·卖家：已为您登记退货" in text
    assert "2025-10-1810:36识别文字·买家：照片已发送请尽快处理" in text
    assert "2025-10-1909:12识别文字·买家：Callmeat" in text and PHONE not in text


def test_a_transcript_wins_over_its_screenshots(built: dict[str, Any]) -> None:
    assert _recognised(built, "exported/1.png") == []
    text = built["text"].replace("•", "·")
    assert "tb_buyer_8861：导出的消息" in text and "识别文字·买家：导出的消息" not in text


def _line(text: str, x: int, y: int, w: int = 200, h: int = 40) -> TextLine:
    return TextLine(text, (x, y, w, h), 1.0)


def test_chat_layout_rules() -> None:
    """Status bar and title skipped; a clock before any dated stamp leaves its messages
    undated; 晚上 is after noon; a clock earlier than the last stamp is the next day; a line
    under another on the same side, aligned with it, continues its bubble; a wide bubble
    takes the side of its nearer edge."""
    size = (1080, 2400)
    first = (
        _line("9:41", 40, 20, 80),  # status bar clock
        _line("tb_buyer_8861", 440, 120),  # title
        _line("10:00", 500, 300, 80),  # a clock, no date seen yet
        _line("在吗", 150, 400),
        _line("2025-10-18 23:50", 400, 500, 280),
        _line("第一行", 150, 600),
        _line("第二行", 150, 645),
        _line("第二行下面的别的消息", 150, 800),
        _line("一条很宽很宽的卖家消息", 100, 900, 900),
    )
    second = (_line("晚上 11:55", 470, 300, 140), _line("00:10", 500, 400, 80))
    second += (_line("好的", 700, 500),)
    got = chat_messages([("a.png", size, first), ("b.png", size, second)], TZ)
    assert [(m.at, m.role, m.text, m.file) for m in got] == [
        (None, "buyer", "在吗", "a.png"),
        (datetime(2025, 10, 18, 23, 50, tzinfo=TZ), "buyer", "第一行 第二行", "a.png"),
        (datetime(2025, 10, 18, 23, 50, tzinfo=TZ), "buyer", "第二行下面的别的消息", "a.png"),
        (datetime(2025, 10, 18, 23, 50, tzinfo=TZ), "seller", "一条很宽很宽的卖家消息", "a.png"),
        (datetime(2025, 10, 19, 0, 10, tzinfo=TZ), "seller", "好的", "b.png"),
    ]


def test_time_stamps_and_names_are_no_order_numbers() -> None:
    """A chat's time stamp (12 digits once squashed) and digits ending one line and starting
    the next are no 'other number' in the index; a real one still is."""
    lines = (
        _line("tb_buyer_8861", 440, 120),
        _line("2025-10-18 10:36", 400, 300),
        _line("2025年10月18日 22:05:09", 400, 400),
        _line("单号 4567 8901 2345 6789", 150, 500),
    )
    assert find(lines, Known()).other_ids == ("4567890123456789",)
