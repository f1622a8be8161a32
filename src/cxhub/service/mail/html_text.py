"""HTML mail bodies: sanitise them for display and turn them into readable text.

Inbound HTML is attacker-controlled and ends up in agents' browsers, so it is cleaned with `nh3`
(an allow-list sanitiser): no scripts, styles, event handlers or `javascript:` URLs survive;
`cid:` stays allowed so inline images can be mapped to their attachments.

Many clients send only HTML, so the text used for search, previews and the ticket thread is
derived from it. When asked, the conversion also leaves out the quoted history that webmail
clients mark up (Gmail's `gmail_quote`, Apple Mail's `<blockquote type="cite">`, Thunderbird's
`moz-cite-prefix`, Outlook on the web's `divRplyFwdMsg`), which is far more reliable than guessing
from the text afterwards.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"font"}
_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign"},
    "font": {"color", "face", "size"},
}
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


def sanitise_html(html: str) -> str:
    """The HTML with everything that could run code or restyle the agent's page removed."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        clean_content_tags={"script", "style", "title", "head"},
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
    )


_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
}  # fmt: skip
_INVISIBLE_TAGS = {"script", "style", "head", "title", "template", "noscript"}
_QUOTE_CLASSES = {"gmail_quote", "gmail_quote_container", "yahoo_quoted", "protonmail_quote"}
_QUOTE_CLASSES_WITH_ATTRIBUTION = {"moz-cite-prefix", "gmail_attr"}
_CUT_HERE_IDS = {"divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container"}


class _TextExtractor(HTMLParser):
    """Collects visible text; skips invisible elements and, when asked, quoted history."""

    def __init__(self, *, drop_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.drop_quotes = drop_quotes
        self.parts: list[str] = []
        self.skip_tag: str | None = None
        self.skip_depth = 0
        self.stopped = False
        self.link_stack: list[str | None] = []

    def _starts_quote(self, tag: str, attributes: dict[str, str]) -> bool:
        classes = set(attributes.get("class", "").split())
        if tag == "blockquote" and attributes.get("type", "").lower() == "cite":
            return True
        return bool(classes & (_QUOTE_CLASSES | _QUOTE_CLASSES_WITH_ATTRIBUTION))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        attributes = {name: value or "" for name, value in attrs}
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        if tag in _INVISIBLE_TAGS:
            self._skip(tag)
            return
        if self.drop_quotes:
            if attributes.get("id", "").lower() in _CUT_HERE_IDS:
                self.stopped = True
                return
            if self._starts_quote(tag, attributes):
                self._skip(tag)
                return
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n" if tag in ("p", "h1", "h2", "h3", "blockquote") else "\n")
        if tag == "img" and attributes.get("alt"):
            self.parts.append(f"[{attributes['alt']}]")
        if tag == "a":
            self.link_stack.append(attributes.get("href"))

    def _skip(self, tag: str) -> None:
        self.skip_tag = tag
        self.skip_depth = 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE_TAGS:  # <script/> has no content to skip
            return
        skipping_before = self.skip_tag
        self.handle_starttag(tag, attrs)
        if skipping_before is None and self.skip_tag == tag:
            self.skip_tag, self.skip_depth = None, 0  # an empty quote element hides nothing
        if tag == "a" and self.link_stack and skipping_before is None:
            self.link_stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if self.stopped:
            return
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = None
            return
        if tag == "a" and self.link_stack:
            href = self.link_stack.pop()
            if href and href.startswith(("http://", "https://")) and href not in self._tail():
                self.parts.append(f" <{href}>")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def _tail(self) -> str:
        return "".join(self.parts[-5:])

    def handle_data(self, data: str) -> None:
        if self.stopped or self.skip_tag is not None:
            return
        self.parts.append(re.sub(r"\s+", " ", data))


def _tidy(text: str) -> str:
    lines = [line.strip(" ") for line in text.replace("\xa0", " ").split("\n")]
    tidy = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", tidy).strip()


def html_to_text(html: str, *, drop_quotes: bool = False) -> str:
    """Readable plain text of an HTML body; with `drop_quotes`, without the quoted history."""
    extractor = _TextExtractor(drop_quotes=drop_quotes)
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # HTMLParser is lenient; anything left is not worth losing the mail over
        return _tidy(re.sub(r"<[^>]*>", " ", html))
    return _tidy("".join(extractor.parts))
