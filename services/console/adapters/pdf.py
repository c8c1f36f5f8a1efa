"""Printable pages as PDF (WeasyPrint): the exhibit and the access export, each rendered from
the HTML its page shows, with print stylesheets read from disk.

WeasyPrint fetches nothing: a page's own <link> and any URL in it are refused (it goes on
without them), so printing never calls back into the server that is serving the request,
nor anywhere else.
"""

import logging
from pathlib import Path

from weasyprint import CSS, HTML  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

_UNRESOLVED = "Relative URI reference without a base URI"


class _PageLinksUnfetched(logging.Filter):
    """Drops WeasyPrint's error for a page's own relative links (its stylesheets, its script):
    left unfetched on purpose, the sheets given from disk instead; an ERROR line per PDF
    would read as a fault in the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_UNRESOLVED)


logging.getLogger("weasyprint").addFilter(_PageLinksUnfetched())


def render_pdf(html: str, stylesheets: tuple[Path, ...]) -> bytes:
    """The PDF of `html` with `stylesheets` (CPU-bound: call it from a worker thread)."""
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=()))
    pdf: bytes = document.write_pdf(stylesheets=[CSS(filename=str(sheet)) for sheet in stylesheets])
    return pdf
