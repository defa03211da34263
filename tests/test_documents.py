"""Minutes as PDF and Word files, built here for real (reportlab with its Japanese CID font, python-docx),
read to the same meeting, speakers and remarks as their text; and the files that are refused."""

import io
import textwrap
import unicodedata
from collections import Counter
from pathlib import Path

import docx
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from bot.core.documents import MAX_DOCUMENT_BYTES, decode_text, document_text
from bot.core.minutes import MinutesError, parse_minutes
from tests.test_minutes_layouts import CLASSIC, COLON, LABELS_ALONE, PDF_RESIDUE

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "rumoi-2025-10-08.txt"
INLINE = """議会運営委員会会議録
開催日時　令和6年3月5日(火) 午前10時00分から午前11時00分
開催場所　議会第1会議室

○委員長(佐藤一郎君)　ただいまから議会運営委員会を開会いたします。
　本日の議題は、定例会の会期についてであります。
○議会事務局長(田中花子君)　会期は3月7日から21日までの15日間とすることでお願いいたします。
○委員長(佐藤一郎君)　御異議ありませんか。
（「異議なし」と呼ぶ者あり）
○委員長(佐藤一郎君)　異議なしと認めます。以上で本日の委員会を閉会いたします。
"""
FONTS = ("HeiseiMin-W3", "HeiseiKakuGo-W5")  # reportlab's Japanese CID fonts
WIDTH = 40  # characters per printed line: longer lines wrap, as a word processor would print them


def pdf_of(text: str, lines_per_page: int = 40, password: str | None = None, font: str = FONTS[0]) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, encrypt=password)
    printed = [part for line in text.splitlines() for part in (textwrap.wrap(line, WIDTH) or [""])]
    for page_number, start in enumerate(range(0, len(printed), lines_per_page), start=1):
        pdf.setFont(font, 10)
        for row, line in enumerate(printed[start : start + lines_per_page]):
            pdf.drawString(40, 800 - 18 * row, line)
        pdf.drawCentredString(A4[0] / 2, 30, f"- {page_number} -")  # a page number, dropped when read
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def docx_of(text: str) -> bytes:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def summary(minutes):
    return (
        minutes.title,
        minutes.date,
        Counter(r.speaker for r in minutes.remarks),
        ["".join(r.text.split()) for r in minutes.remarks],
    )


LAYOUTS = {
    "sample": SAMPLE.read_text(encoding="utf-8"),
    "inline": INLINE,
    "classic": CLASSIC,
    "colon": COLON,
    "labels": LABELS_ALONE,
    "pdf-residue": PDF_RESIDUE,
}


@pytest.mark.parametrize("text", LAYOUTS.values(), ids=LAYOUTS.keys())
@pytest.mark.parametrize("make", [pdf_of, docx_of], ids=["pdf", "docx"])
def test_pdf_and_docx_read_as_their_text(text, make):
    assert summary(parse_minutes(document_text(make(text)))) == summary(parse_minutes(text))


def test_pdf_in_a_gothic_font_and_small_pages():
    pdf = pdf_of(INLINE, lines_per_page=4, font=FONTS[1])
    assert summary(parse_minutes(document_text(pdf))) == summary(parse_minutes(INLINE))


def test_sample_pdf_has_its_17_speakers_and_49_remarks():
    minutes = parse_minutes(document_text(pdf_of(SAMPLE.read_text(encoding="utf-8"))))
    assert len({r.speaker for r in minutes.remarks}) == 17 and len(minutes.remarks) == 49
    assert all(d.reason != "page number" or d.text.startswith("-") for d in minutes.dropped)


def test_word_tables_become_cells():
    document = docx.Document()
    document.add_paragraph("審議会 会議録")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "日時", "令和6年4月1日(月)"
    table.cell(1, 0).text, table.cell(1, 1).text = "場所", "市役所会議室"
    document.add_paragraph("(事務局)本日の議題について説明いたします。")
    out = io.BytesIO()
    document.save(out)
    minutes = parse_minutes(document_text(out.getvalue()))
    assert (str(minutes.date), minutes.place) == ("2024-04-01", "市役所会議室")
    assert [(r.speaker, r.text) for r in minutes.remarks] == [("事務局", "本日の議題について説明いたします。")]


def scanned_pdf() -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.rect(40, 40, 500, 700, fill=1)  # a page with a picture and no text, as a scanner makes
    pdf.showPage()
    pdf.save()
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (scanned_pdf(), "no text layer (a scan?): run OCR first"),
        (pdf_of(INLINE, password="secret"), "this PDF is encrypted"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "save it as .docx or PDF"),
        (b"PK\x03\x04" + b"\x00" * 100, "not a Word (.docx) document"),
        (b"{\\rtf1\\ansi \\par }", "save it as .docx or PDF"),
        (b"%PDF-1.4\n" + b"\x00garbage" * 20, "this PDF is damaged"),
        (b" " * (MAX_DOCUMENT_BYTES + 1), "the file is larger than 20 MB"),
    ],
    ids=["scanned", "encrypted", "doc", "zip", "rtf", "damaged", "too-large"],
)
def test_refused_files(data, message):
    with pytest.raises(MinutesError) as caught:
        document_text(data)
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "euc_jp", "utf-16", "utf-16-le", "utf-16-be"])
def test_text_encodings(encoding):
    assert decode_text(INLINE.encode(encoding)) == INLINE
    assert summary(parse_minutes(document_text(INLINE.encode(encoding)))) == summary(parse_minutes(INLINE))


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_judged_on_the_whole_text_not_its_start(encoding):
    """Unreadable characters crowded into the first 4 KB, but fewer than 2% of the whole, do not rule UTF-16 out."""
    text = "\ue000" * 60 + SAMPLE.read_text(encoding="utf-8")
    assert 60 * 100 > 2048 * 2 and 60 * 100 <= len(text) * 2  # too many for the start alone, few enough overall
    assert decode_text(text.encode(encoding)) == text


def test_control_characters_counted_are_those_of_category_cc_but_tab_newlines_and_form_feed():
    from bot.core.documents import _CONTROL

    every = "".join(map(chr, range(0x110000)))
    expected = [c for c in every if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f"]
    assert _CONTROL.findall(every) == expected
