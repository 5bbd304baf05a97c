"""Post an admin change form as a browser would: read the fields the page renders (inputs,
checked boxes, selected options, text areas), change some, and send them back."""

from __future__ import annotations

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.data.setdefault(name, []).append(a.get("value", default))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data.setdefault(self._textarea, []).append(self._text.lstrip("\n"))
            self._textarea = None


def form_data(html: str) -> dict[str, list[str]]:
    """The values a browser would submit from the page's form(s)."""
    parser = _Form()
    parser.feed(html)
    return parser.data


def inline_row(data: dict[str, list[str]], prefix: str, field: str, value: str) -> int:
    """The index of the inline row of `prefix` whose `field` holds `value`."""
    total = int(data[f"{prefix}-TOTAL_FORMS"][0])
    for index in range(total):
        if data.get(f"{prefix}-{index}-{field}", [None])[0] == value:
            return index
    raise AssertionError(f"no {prefix} row with {field}={value}")
