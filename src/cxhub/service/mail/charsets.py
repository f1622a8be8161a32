"""Turn the bytes of a mail body or header into text, whatever the sender's mail client claimed.

Customers write from every kind of client, and many of them lie about their charset: Chinese
clients label GBK text `gb2312`, Windows clients label cp1252 text `iso-8859-1`, web forms label
UTF-8 text `us-ascii`, and some messages carry no label at all. A helpdesk that shows mojibake or
drops a message is worse than one that guesses, so decoding never raises:

1. the declared charset, mapped to the superset real clients actually use (`gb2312` -> `gb18030`,
   `big5` -> `big5hkscs`, `shift_jis` -> `cp932`, `iso-8859-1` -> `cp1252`, ...), decoded
   strictly; bytes that are valid UTF-8 win over a single-byte label, because UTF-8's structure
   makes accidental validity negligible;
2. strict UTF-8;
3. `charset_normalizer`'s detection, when there are enough non-ASCII bytes to detect anything
   (otherwise Windows-1252 for unlabelled text, the most common legacy charset);
4. the declared charset (or UTF-8) with replacement characters.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re

import charset_normalizer

_SUPERSETS: dict[str, str] = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "us-ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}

_SINGLE_BYTE_PREFIXES = ("cp125", "iso8859", "latin", "koi8", "mac", "cp874", "ascii", "cp437")
_MULTIBYTE_UTF8_EVIDENCE = 8
"""Non-ASCII bytes of valid UTF-8 needed before UTF-8 overrides a declared multi-byte charset
(a short GBK or Big5 text can, rarely, also be valid UTF-8)."""
_DETECTION_MIN_NON_ASCII = 8
"""Below this many non-ASCII bytes statistical detection is a coin toss (it reads `abc\\xff` as
Chinese), so a few stray bytes are read as Windows-1252 or replaced instead."""


def codec_for(label: str | None) -> str | None:
    """The Python codec name to use for a MIME charset label, or None when it is unknown."""
    if not label:
        return None
    cleaned = label.strip().strip("\"'").lower()
    if "*" in cleaned:  # RFC 2231 language suffix: utf-8*en
        cleaned = cleaned.split("*", 1)[0]
    cleaned = _SUPERSETS.get(cleaned, cleaned)
    try:
        info = codecs.lookup(cleaned)
    except (LookupError, ValueError):
        return None
    # a label such as "base64" or "zlib" names a bytes-to-bytes codec, not a charset
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _is_single_byte(codec: str) -> bool:
    normalised = codec.replace("-", "").replace("_", "")
    return normalised.startswith(_SINGLE_BYTE_PREFIXES)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _utf8_is_more_plausible(data: bytes, codec: str) -> bool:
    if codec == "utf-8" or data.isascii():
        return False
    if _strict(data, "utf-8") is None:
        return False
    if _is_single_byte(codec):
        return True
    return _non_ascii_count(data) >= _MULTIBYTE_UTF8_EVIDENCE


def _detect(data: bytes) -> str | None:
    try:
        matches = charset_normalizer.from_bytes(data)
        best = matches.best()
    except Exception:  # detection is best effort, never a reason to lose a message
        return None
    if best is None:
        return None
    for match in matches:
        tied = match.chaos <= best.chaos and match.coherence >= best.coherence
        if tied and "cp1252" in match.could_be_from_charset and best.encoding != "cp1252":
            # single-byte pages that read equally well (cp1250, cp1257, cp1252): Western
            # European is by far the likeliest for unlabelled legacy mail
            return data.decode("cp1252", errors="replace")
    return str(best)


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode `data` labelled with the MIME charset `declared` (may be None or bogus); never raises."""
    codec = codec_for(declared)
    if codec is not None and not _utf8_is_more_plausible(data, codec):
        text = _strict(data, codec)
        if text is not None:
            return text
    text = _strict(data, "utf-8")
    if text is not None:
        return text
    if _non_ascii_count(data) >= _DETECTION_MIN_NON_ASCII:
        detected = _detect(data)
        if detected is not None:
            return detected
    elif codec is None:
        # too little evidence to detect anything: a stray legacy Western byte is the common case
        text = _strict(data, "cp1252")
        if text is not None:
            return text
    return data.decode(codec or "utf-8", errors="replace")


def _non_ascii_count(data: bytes) -> int:
    return sum(1 for byte in data if byte >= 0x80)


def surrogates_to_bytes(value: str) -> bytes:
    """Recover the raw bytes the stdlib parser smuggled into a str as surrogate escapes."""
    return value.encode("utf-8", errors="surrogateescape")


def has_surrogates(value: str) -> bool:
    """True when `value` holds undecoded 8-bit bytes (as the compat32 parser leaves them)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_BETWEEN_WORDS = re.compile(r"^[ \t\r\n]+$")


def _decode_word(charset: str, encoding: str, payload: str) -> str | None:
    data: bytes
    try:
        if encoding.lower() == "b":
            padded = payload + "=" * (-len(payload) % 4)
            data = base64.b64decode(padded, validate=False)
        else:
            data = quopri.decodestring(payload.encode("ascii", errors="replace"), header=True)
    except (binascii.Error, ValueError):
        return None
    return decode_text(data, charset)


def decode_header_value(value: object, fallback_charset: str | None = None) -> str:
    """Decode a raw header value: RFC 2047 encoded words in any charset, raw 8-bit bytes
    (decoded like a body, with `fallback_charset` as the label) and folding. Never raises."""
    if value is None:
        return ""
    text = str(value)
    if has_surrogates(text):
        text = decode_text(surrogates_to_bytes(text), fallback_charset)
    text = _FOLD.sub("", text)
    pieces: list[str] = []
    position = 0
    previous_was_word = False
    for match in _ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        decoded = _decode_word(*match.groups())
        if decoded is None:
            pieces.append(between + match.group(0))
            previous_was_word = False
        else:
            # RFC 2047 6.2: whitespace between adjacent encoded words is not displayed
            if not (previous_was_word and _BETWEEN_WORDS.match(between)):
                pieces.append(between)
            pieces.append(decoded)
            previous_was_word = True
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces).replace("\r", "").replace("\n", " ").strip()
