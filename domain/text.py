"""Escaping for any text from data or users that reaches folium popups, tooltips or our own HTML.

folium writes popup/tooltip text into JS template literals, so `html.escape` alone still lets
`${...}` run; we neutralise `$`, backtick and backslash as well. branca also compiles
rendered output as a Jinja template, so `{{ … }}` / `{% … %}` in data would be evaluated on the server:
curly braces become entities too.
"""
from __future__ import annotations

import html


def safe_text(value: object) -> str:
    """Escape HTML and JS template-literal metacharacters.

    Examples:
        >>> safe_text("<b>hi</b>")
        '&lt;b&gt;hi&lt;/b&gt;'
        >>> safe_text("${alert(1)}")
        '&#36;&#123;alert(1)&#125;'
        >>> safe_text("a`b\\\\c")
        'a&#96;b&#92;c'
    """
    text = "" if value is None else str(value)
    return (
        html.escape(text, quote=True)
        .replace("\\", "&#92;")
        .replace("`", "&#96;")
        .replace("$", "&#36;")
        .replace("{", "&#123;")
        .replace("}", "&#125;")
    )
