"""Selects whose options change under them."""


def numbered_index(value, n: int) -> int:
    """The value of a select over range(n) labelled "1. ...", "2. ..." as an index below n.

    The browser sends back the label it showed ("4. emma"). Once the labels change (new names after a
    new seed), no option has that label and Streamlit hands the label itself to the page, a str where
    an int is expected: keep its number (the position is what the select picks), else the first."""
    if isinstance(value, str):
        number = value.split(".", 1)[0]
        value = int(number) - 1 if number.isdigit() else 0
    return value if isinstance(value, int) and 0 <= value < n else 0
