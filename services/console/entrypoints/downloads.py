"""Files the console hands over (a bundle, an export, a receipt, a PDF): attachments with a
filename built from ids only, never from personal data; `no-store` like every page."""

import asyncio
from pathlib import Path

from fastapi.responses import Response

from services.console.adapters.pdf import render_pdf

ASSETS = Path(__file__).parent / "assets"
# Fonts, page size and what a printed page leaves out; each PDF adds its own sheet after it.
PRINT_CSS = ASSETS / "print.css"


def attachment(content: bytes | str, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


async def pdf_attachment(html: str, filename: str, *stylesheets: Path) -> Response:
    """The page's own HTML printed (print.css first), off the event loop: WeasyPrint takes
    a good part of a second, and other users' pages go on meanwhile."""
    pdf = await asyncio.to_thread(render_pdf, html, (PRINT_CSS, *stylesheets))
    return attachment(pdf, "application/pdf", filename)
