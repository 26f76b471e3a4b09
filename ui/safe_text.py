"""Text a visitor gave (a link's values, a file's name, a checkpoint's contents) shown as plain text.

Streamlit renders markdown in st.markdown, st.caption, alerts, headers and help texts: a link's
`?run=[log in](https://evil.example.com)` would become a clickable link inside the app's own warning,
`![x](https://...)` an image every visitor's browser fetches, `:red[...]` coloured text. `literal` makes
such a string read as the characters it is: the marks that open inline markup are backslash-escaped
(links, images and directives need `[`, HTML and autolinks `<`, `:` or `@`, emphasis, code and math
`*_~`$`, entities `&`); line breaks become spaces (no new block can start, so `-`, `+`, `.` and `=`
may stay as they are); and the text is capped so that a link cannot echo 100,000 characters. GFM also
links a bare `https://...`, `www.x.y` or `a@b.c`, and finds them in the text after escapes are read:
an invisible word joiner after `:`, `@` and `www` keeps those from matching.
"""
import re

ECHO = 60                     # characters of a visitor's value echoed back, then an ellipsis
_ESCAPES = {ord(c): "\\" + c for c in "\\`*_{}[]()<>#!|~$&:@"}
_BARE_LINK = re.compile(r"(www(?=\.)|[:@])", re.IGNORECASE)
_JOINER = "\u2060"


def capped(value, limit: int | None = ECHO) -> str:
    """`value` as text, at most `limit` characters (the last one an ellipsis when cut)."""
    text = str(value)
    return text if limit is None or len(text) <= limit else text[:limit - 1] + "…"


def literal(value, limit: int | None = ECHO) -> str:
    """`value`, capped, as markdown that renders exactly its characters: nothing in it is markup."""
    text = "".join(c if c.isprintable() or c == " " else " " for c in capped(value, limit))
    return _BARE_LINK.sub(r"\1" + _JOINER, text).translate(_ESCAPES)
