"""Minutes files as text: plain text in any common Japanese encoding, PDF (its text layer) and Word (.docx).

The kind of file is told by its content, not its name. Each refusal is one line a user can act on."""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from collections import Counter

from bot.core.minutes_lines import MinutesError

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
_BINARY = "this is not a text file (binary data)"
# Tab, newlines and form feed (a page break in text exported from PDF) are normal in text.
_TEXT_CONTROLS = frozenset("\t\n\r\f")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office files (.doc, .xls)


def document_text(data: bytes) -> str:
    """The text of a minutes file, newlines as LF; raises MinutesError for what cannot be read."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise MinutesError(f"the file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    if data.startswith(b"%PDF-"):
        return _pdf_text(data)
    if data.startswith(_OLE_MAGIC):
        raise MinutesError("this is a legacy Word (.doc) or other old Office file: save it as .docx or PDF")
    if data.startswith(b"PK\x03\x04"):
        return _docx_text(data)
    if data.startswith(b"{\\rtf"):
        raise MinutesError("this is a rich text (.rtf) file: save it as .docx or PDF")
    return decode_text(data)


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 (with or without BOM), Shift_JIS/CP932 or EUC-JP bytes."""
    text = _decode(data)
    # Old DOS/Windows editors end files with Ctrl-Z.
    text = text.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\x1a")
    if not text.strip():
        raise MinutesError("the file is empty")
    if _has_many_controls(text):
        raise MinutesError(_BINARY)
    return text


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _strict(data, utf16)
    if b"\x00" in data:
        raise MinutesError(_BINARY)
    for encoding in ("utf-8", "cp932", "euc_jp"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise MinutesError(_BINARY)


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise MinutesError(_BINARY) from None


def _utf16_without_bom(data: bytes) -> str | None:
    """utf-16-le or -be when the bytes read as mostly Japanese or ASCII text in it."""
    if len(data) < 4 or len(data) % 2:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        # Text in another encoding read as UTF-16 is mostly unassigned or private-use characters: its first
        # characters alone have more than the 2% of the whole that would be allowed.
        probe = data[:_PROBE_BYTES].decode(encoding, "surrogatepass")[:-1]  # the last may be half of a pair
        if _unreadable(Counter(probe)) * 100 > len(data) // 2 * 2:
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        counts = Counter(text)  # each distinct character judged once
        readable = len(text) - _unreadable(counts)
        japanese = sum(n for char, n in counts.items() if "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef")
        ascii_zero = data[1::2] if encoding == "utf-16-le" else data[::2]
        if readable * 100 >= len(text) * 98 and (japanese * 5 >= len(text) or ascii_zero.count(0) * 2 >= len(text)):
            return encoding
    return None


_PROBE_BYTES = 4096


def _unreadable(counts: Counter[str]) -> int:
    """How many of the counted characters are control, format, surrogate, private-use or unassigned ones."""
    return sum(n for char, n in counts.items() if unicodedata.category(char)[0] == "C" and char not in _TEXT_CONTROLS)


# The characters of category Cc (C0 and C1 controls), but for those of _TEXT_CONTROLS.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _has_many_controls(text: str) -> bool:
    return len(_CONTROL.findall(text)) * 100 > len(text)


def _pdf_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        text = extract_text(io.BytesIO(data), laparams=LAParams(line_margin=1.0))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise MinutesError("this PDF is encrypted: save it without a password and upload it again") from None
    except PDFSyntaxError:
        raise MinutesError("this PDF is damaged and cannot be read") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.replace("\f", "").strip():
        raise MinutesError("this PDF has no text layer (a scan?): run OCR first, or upload the text")
    return text.rstrip("\f\n") + "\n"


def _docx_text(data: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile):
        raise MinutesError("this is a ZIP file but not a Word (.docx) document") from None
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(node.text or "" for node in block.iter() if node.tag.endswith("}t")))
        elif tag == "tbl":
            for row in block.iter():
                if row.tag.endswith("}tr"):
                    cells = [
                        "".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t"))
                        for cell in row
                        if cell.tag.endswith("}tc")
                    ]
                    lines.append(" | ".join(cells) + " |")
    text = "\n".join(lines)
    if not text.strip():
        raise MinutesError("this Word document has no text")
    return text + "\n"
