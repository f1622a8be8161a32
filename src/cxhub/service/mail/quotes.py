"""Find the new part of a reply: strip quoted history, forwarded-message blocks and signatures.

Customers answer from every mail client in every language, and each quotes the conversation its
own way. Showing the whole quoted thread again under each message buries the one new line, so the
ticket shows `reply_text` and keeps the full text alongside. The rules, in order:

* everything from the first *cut line* on is history: an attribution line ("On ... wrote:",
  "Il giorno ... ha scritto:", "在 ... 写道:", "Pada ... menulis:", "Am ... schrieb ...:",
  "Le ... a écrit :", "El ... escribió:", "Em ... escreveu:"), possibly wrapped over two lines;
  an Outlook "-----Original Message-----" separator (and its translations); a line of underscores
  followed by a "From:" header; a "From: ... Sent: ..." header block (also "Da: ... Inviato:");
  a signature separator `-- `; a mobile footer ("Sent from my iPhone", "Inviato da iPhone",
  "Dikirim dari ...");
* before the cut, lines quoted with `>` are dropped (inline answers keep only the answers);
* the reply is never empty when the body had text: a bottom-posted answer (history first) keeps
  everything that is not quoted, and failing that the full text is returned.

An attribution line must contain a digit, `@` or `<` (a date or an address), so a sentence that
merely starts with "On" and ends with "wrote:" is not mistaken for one.
"""

from __future__ import annotations

import re

_ATTRIBUTION_PATTERNS = [
    r"^(?:on|op)\b.{0,300}\b(?:wrote|schreef)\s*:?$",
    r"^il\b.{0,300}\bha scritto\s*:?$",
    r"^在.{0,300}(?:写道|寫道)\s*[:\uff1a]?$",
    r"^.{0,300}(?:于|於).{0,200}(?:写道|寫道)\s*[:\uff1a]$",
    r"^pada\b.{0,300}\bmenulis\s*:?$",
    r"^am\b.{0,300}\bschrieb\b.{0,200}:$",
    r"^le\b.{0,300}\ba\s+[ée]crit\s*:?$",
    r"^el\b.{0,300}\bescribi[óo]\s*:?$",
    r"^(?:em|no dia)\b.{0,300}\bescreveu\s*:?$",
]
_ATTRIBUTION = re.compile("|".join(f"(?:{p})" for p in _ATTRIBUTION_PATTERNS), re.IGNORECASE)
_ATTRIBUTION_START = re.compile(r"^(?:on|op|il|在|pada|am|le|el|em|no dia)\b|^在", re.IGNORECASE)
_ATTRIBUTION_EVIDENCE = re.compile(r"[0-9@<]")

_ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(?:original message|messaggio originale|ursprüngliche nachricht|"
    r"message d'origine|mensaje original|mensagem original|pesan asli|原始邮件|原始郵件|"
    r"forwarded message|messaggio inoltrato)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^_{20,}\s*$")
_FROM_HEADER = re.compile(
    r"^\*?(?:from|da|von|de|dari|van|发件人|寄件者|寄件人)\s*\*?\s*[:\uff1a]", re.IGNORECASE
)
_SENT_HEADER = re.compile(
    r"^\*?(?:sent|date|inviato|data|gesendet|datum|envoyé|enviado|tanggal|dikirim|"
    r"verzonden|发送时间|日期|寄件日期)\s*\*?\s*[:\uff1a]",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^--\s?$")
_MOBILE_FOOTER = re.compile(
    r"^(?:sent from my \S+|sent from (?:mail|outlook|yahoo mail|gmail)\b|"
    r"get outlook for (?:ios|android)|inviato da(?:l mio)? (?:iphone|ipad|android|outlook|"
    r"samsung|libero|yahoo)|dikirim dari\b|envoyé de mon\b|von meinem .{1,40} gesendet|"
    r"enviado desde mi\b|enviado do meu\b|发自我的|从我的.{1,20}发送|寄件者\uff1a?我的)",
    re.IGNORECASE,
)
_HEADER_BLOCK_LOOKAHEAD = 5


def _is_attribution(line: str) -> bool:
    return bool(_ATTRIBUTION.match(line)) and bool(_ATTRIBUTION_EVIDENCE.search(line))


def _is_wrapped_attribution(lines: list[str], index: int) -> bool:
    if index + 1 >= len(lines) or not _ATTRIBUTION_START.match(lines[index]):
        return False
    return _is_attribution(f"{lines[index]} {lines[index + 1].strip()}")


def _next_non_blank(lines: list[str], index: int) -> str:
    for line in lines[index + 1 : index + 4]:
        if line.strip():
            return line.strip()
    return ""


def _starts_header_block(lines: list[str], index: int) -> bool:
    if not _FROM_HEADER.match(lines[index].strip()):
        return False
    following = lines[index + 1 : index + 1 + _HEADER_BLOCK_LOOKAHEAD]
    return any(_SENT_HEADER.match(line.strip()) for line in following)


def _cut_index(lines: list[str]) -> int | None:
    """Index of the first line that starts quoted history or a signature, or None."""
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        if raw.rstrip("\n") in ("-- ", "--") or _SIGNATURE.match(raw):
            return index
        if line.startswith(">"):
            continue
        if _is_attribution(line) or _is_wrapped_attribution(lines, index):
            return index
        if _ORIGINAL_MESSAGE.match(line) or _MOBILE_FOOTER.match(line):
            return index
        if _UNDERSCORES.match(line) and _FROM_HEADER.match(_next_non_blank(lines, index)):
            return index
        if _starts_header_block(lines, index):
            return index
    return None


def _without_quoted_lines(lines: list[str]) -> str:
    kept = [line for line in lines if not line.lstrip().startswith(">")]
    return "\n".join(kept).strip()


def _without_history_markers(lines: list[str]) -> str:
    """For bottom-posted answers: drop quoted lines, attributions and signatures, keep the rest."""
    kept: list[str] = []
    skip_next = False
    for index, raw in enumerate(lines):
        line = raw.strip()
        if skip_next:
            skip_next = False
            continue
        if raw.rstrip() == "--" or _SIGNATURE.match(raw):
            break
        if line.startswith(">") or _is_attribution(line):
            continue
        if _is_wrapped_attribution(lines, index):
            skip_next = True
            continue
        kept.append(raw)
    return "\n".join(kept).strip()


def strip_quoted_reply(text: str) -> str:
    """The new part of a reply; the full (trimmed) text when nothing new can be told apart."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = normalised.split("\n")
    cut = _cut_index(lines)
    head = lines if cut is None else lines[:cut]
    reply = _without_quoted_lines(head)
    if reply:
        return reply
    reply = _without_history_markers(lines)
    return reply or normalised.strip()
