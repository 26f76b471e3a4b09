"""Every experiment is a link: a page's settings live in the address (`st.query_params`).

A page declares its settings once, as `Setting`s (the query key is the core's field name), and calls
`restore(PAGE, SETTINGS)` before it draws its widgets. A setting's range is stated once, in its parser:
its widget takes it from there (`**links.bounds(SETTINGS, key)`: min_value/max_value, or options). That

- gives each widget its value: the one it has (same page, a rerun), else the address's when the
  address is new to this tab (a shared link, F5, a bookmark), else the one kept from the last visit
  (a widget's value is deleted when its page is left, so it is kept under a plain key), else the default;
- says in a short warning which values of the address were bad (they get the default), never a traceback;
- writes the values back to the address, only those that differ from the defaults, so links stay short.

Keys of the address that no page declares (`run`, `data`, `projector`, ...) are left alone.
"""
from dataclasses import dataclass
from typing import Any, Callable

import streamlit as st

from ui.safe_text import literal

KEPT = "links_kept"              # {page: {query key: value}}: the values of a page left
WRITTEN = "links_written"        # {page: {query key: text}}: what this tab last wrote to the address


@dataclass(frozen=True)
class Setting:
    query: str                         # key in the address: the core's field name
    key: str                           # the widget's session_state key
    default: Any
    parse: Callable[[str], Any]        # text of the address -> value; raises ValueError when bad

    def text(self, value) -> str:
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float):
            return repr(value)         # exact: 5/3 must come back as the same float
        return str(value)


def bounds(settings, key: str) -> dict:
    """The widget arguments that give the widget of `key` its setting's range: {"min_value", "max_value"}
    for a number, {"options"} for a choice."""
    return dict(next(s for s in settings if s.key == key).parse.bounds)


# ---------------------------------------------------------------- parsers (text -> value, or ValueError)
# Each parser carries its range as `bounds` (the widget's arguments), so that the range is written once.

def boolean(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("not 0 or 1")


def integer(lo: int, hi: int, step: int = 1) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise ValueError("not a whole number") from None
        if not lo <= value <= hi or (value - lo) % step:
            raise ValueError(f"not between {lo:,} and {hi:,}" + (f" in steps of {step}" if step > 1 else ""))
        return value
    parse.bounds = {"min_value": lo, "max_value": hi} | ({"step": step} if step > 1 else {})
    return parse


def number(lo: float, hi: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise ValueError("not a number") from None
        if not lo <= value <= hi:       # also refuses nan
            raise ValueError(f"not between {lo:g} and {hi:g}")
        return value
    parse.bounds = {"min_value": lo, "max_value": hi}
    return parse


def choice(options) -> Callable[[str], Any]:
    """One of `options`, matched by its text (numbers also by value, so '1' finds 1.0)."""
    options = list(options)

    def parse(text: str):
        text = text.strip()
        for option in options:
            if str(option) == text or Setting("", "", None, str).text(option) == text:
                return option
        if all(isinstance(o, (int, float)) and not isinstance(o, bool) for o in options):
            try:
                value = float(text)
            except ValueError:
                raise ValueError("not one of the choices") from None
            for option in options:
                if abs(option - value) < 1e-9:
                    return option
        raise ValueError("not one of the choices")
    parse.bounds = {"options": options}
    return parse


def text(max_length: int = 100) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise ValueError(f"longer than {max_length} characters")
        return value
    return parse


# ---------------------------------------------------------------- restore and write back

def _address_is_new(page: str, settings) -> bool:
    """True when the address holds settings this tab did not write itself: a link was opened."""
    mine = {s.query for s in settings}
    now = {k: st.query_params[k] for k in st.query_params if k in mine}
    return bool(now) and now != st.session_state.get(WRITTEN, {}).get(page)


def _from_address(settings) -> tuple[dict, list[str]]:
    values, bad = {}, []
    for s in settings:
        if s.query not in st.query_params:
            values[s.query] = s.default
            continue
        raw = st.query_params[s.query]
        try:
            values[s.query] = s.parse(raw)
        except (ValueError, TypeError) as e:
            values[s.query] = s.default
            bad.append(f"{s.query}={literal(raw, 40)} ({e}; the default {s.text(s.default)} is used)")
    return values, bad


def restore(page: str, settings) -> dict:
    """Give every widget of `settings` its value (see the module's doc); returns {query key: value}."""
    kept = st.session_state.setdefault(KEPT, {}).get(page, {})
    if _address_is_new(page, settings):
        values, bad = _from_address(settings)
        if bad:
            st.warning("Some values in this link were not valid: " + "; ".join(bad) + ".")
        for s in settings:                   # the link decides every value, also of live widgets
            st.session_state[s.key] = values[s.query]
    else:
        for s in settings:
            if s.key not in st.session_state:
                st.session_state[s.key] = kept.get(s.query, s.default)
    from ui.classroom import hide_named_controls  # late import: classroom builds on this module
    hide_named_controls(settings)
    return save(page, settings)


def save(page: str, settings) -> dict:
    """Keep the widgets' values for the next visit and write those that differ from the defaults to
    the address. Call again after code that changes a value once its widget is drawn."""
    values = {s.query: st.session_state.get(s.key, s.default) for s in settings}
    st.session_state.setdefault(KEPT, {})[page] = values
    wanted = {s.query: s.text(values[s.query]) for s in settings if values[s.query] != s.default}
    for s in settings:
        if s.query in wanted:
            if st.query_params.get(s.query) != wanted[s.query]:
                st.query_params[s.query] = wanted[s.query]
        elif s.query in st.query_params:
            del st.query_params[s.query]
    st.session_state.setdefault(WRITTEN, {})[page] = wanted
    return values


def set_values(page: str, settings, values: dict):
    """Set settings from code (a preset): widgets, the kept copy and the address. Call it in a
    callback (before the widgets are drawn); `values` maps query keys to values."""
    for s in settings:
        if s.query in values:
            st.session_state[s.key] = values[s.query]
    save(page, settings)


# The link shown is read from the browser's address bar, in the browser: a fragment's rerun (the Init
# lab's) writes the address without redrawing the sidebar, so a link drawn by the server went stale.
COPY_BOX = """
<div class="mm-link" style="display:flex; gap:0.4rem; align-items:center">
  <input class="mm-link-text" readonly aria-label="Link to this experiment"
         style="flex:1; min-width:0; font-family:monospace; font-size:0.8rem; padding:0.3rem;
                border:1px solid #c9ccd3; border-radius:0.3rem; background:#f7f8fa; color:#1f2027">
  <button class="mm-link-copy" type="button"
          style="padding:0.3rem 0.6rem; border:1px solid #9a9ca5; border-radius:0.3rem; background:white;
                 color:#1f2027; cursor:pointer">Copy</button>
</div>
<script>
document.querySelectorAll('.mm-link:not([data-ready])').forEach(box => {
  box.dataset.ready = '1';
  const text = box.querySelector('input'), button = box.querySelector('button');
  const show = () => { if (text.value !== location.href) text.value = location.href; };
  show();
  const timer = setInterval(() => box.isConnected ? show() : clearInterval(timer), 400);
  button.addEventListener('click', async () => {
    show();
    text.select();
    try { await navigator.clipboard.writeText(location.href); }
    catch (e) { document.execCommand('copy'); }   // a plain-http address has no clipboard API
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  });
});
</script>
"""


def copy_link_box():
    """The affordance to share an experiment: the browser's own address, as it is now, with a copy button."""
    with st.expander("Copy link to this experiment"):
        st.caption("Opens this page with every setting as it is now, in any browser on this network. "
                   "Add &projector=1 for a projector, &hide=sidebar to hide the sidebar.")
        st.html(COPY_BOX, unsafe_allow_javascript=True)
