"""The text of a PDF written by WeasyPrint, to check what a pack says (no PDF library is installed).

WeasyPrint compresses each content stream (FlateDecode) and writes text as glyph codes in hex
(``[<002b>0<0048>] TJ``), with a ToUnicode map per font saying which character each code is. The
codes of every stream are decoded with each font's map; the right map gives the text, the others
give noise, so a test asks whether *any* decoding holds a string. Enough for the PDFs this project
writes; not a general PDF reader.
"""

from __future__ import annotations

import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_TEXT_OP = re.compile(rb"\[(.*?)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)


def _streams(pdf: bytes) -> list[bytes]:
    out = []
    for raw in _STREAM.findall(pdf):
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            out.append(raw)
    return out


def _unicode(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode()).decode("utf-16-be", errors="replace")


def _cmap(stream: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in _BFCHAR.findall(stream):
        pairs = _HEX.findall(block)
        for code, text in zip(pairs[::2], pairs[1::2]):
            mapping[int(code, 16)] = _unicode(text)
    for block in _BFRANGE.findall(stream):
        for line in block.strip().splitlines():
            parts = _HEX.findall(line)
            if len(parts) == 3:
                low, high, start = int(parts[0], 16), int(parts[1], 16), int(parts[2], 16)
                for offset in range(high - low + 1):
                    mapping[low + offset] = chr(start + offset)
    return mapping


def pdf_texts(pdf: bytes) -> list[str]:
    """The PDF's text decoded with each of its fonts' maps (two-byte glyph codes)."""
    streams = _streams(pdf)
    maps = [_cmap(s) for s in streams if b"begincmap" in s]
    codes: list[int] = []
    for stream in streams:
        for array, single in _TEXT_OP.findall(stream):
            for hex_text in _HEX.findall(array) if array else [single]:
                raw = bytes.fromhex(hex_text.decode())
                codes += [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw) - 1, 2)]
    return ["".join(m.get(code, "\ufffd") for code in codes) for m in maps]


def pdf_contains(pdf: bytes, text: str) -> bool:
    return any(text in decoded for decoded in pdf_texts(pdf))
