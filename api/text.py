"""What the API counts as blank text, written once for the code and for the schema.

Python (`str.strip`, `str.split`, `re`'s `\\s`) and ECMAScript (the regular expressions of an
OpenAPI `pattern`) disagree about whitespace: Python counts the C0 separators U+001C..U+001F and
NEXT LINE (U+0085), ECMAScript counts the BYTE ORDER MARK (U+FEFF). A schema pattern `\\S` and a
`str.strip()` in the code therefore disagree on "\\x1c" (blank to the code, text to the schema).
Here blank is either reading: the union of the two sets, and the schema's pattern names the same
characters one by one, so both engines read it alike.
"""

from __future__ import annotations

# Python's whitespace (str.isspace; none lies past U+3000, IDEOGRAPHIC SPACE, a test checks the
# whole range) and ECMAScript's WhiteSpace and LineTerminator (`\s`), which adds U+FEFF.
BLANK_CHARACTERS = "".join(
    sorted({chr(code) for code in range(0x3001) if chr(code).isspace()} | {"\ufeff"})
)

# "Holds at least one character that is not blank", for a schema `pattern`. Each character is
# spelled as a \uXXXX escape, which Python's `re` and ECMAScript read alike, rather than as `\s`,
# which each engine reads its own way.
NOT_BLANK_PATTERN = "[^" + "".join(f"\\u{ord(char):04x}" for char in BLANK_CHARACTERS) + "]"


def strip_blank(text: str) -> str:
    """`text` without blank characters at either end."""
    return text.strip(BLANK_CHARACTERS)


def is_blank(text: str) -> bool:
    return not strip_blank(text)
