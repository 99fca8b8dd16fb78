"""Rendering of a report snapshot to a standalone HTML document and to PDF with WeasyPrint.

The HTML embeds its styles, charts (inline SVG) and logo (a data: URL), so the page, the share
link and the PDF show the same document and rendering never fetches anything over the network.
"""
import logging

from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class RenderError(Exception):
    """Raised when a report cannot be turned into PDF: WeasyPrint or its system libraries are missing, or it failed."""


def render_html(*, kind, data, brand, report, version_number, rendered_at):
    """Return the report document as a complete HTML page."""
    context = {
        **kind.context(data),
        "kind": kind,
        "brand": brand,
        "report": {"title": report.title, "client": report.client.name},
        "version_number": version_number,
        "rendered_at": rendered_at,
    }
    return render_to_string(kind.template_name, context)


def _data_urls_only(url, *args, **kwargs):
    """Load a data: URL for WeasyPrint and reject every other URL, so rendering a report makes no network request."""
    from weasyprint import default_url_fetcher

    if not url.startswith("data:"):
        raise ValueError(f"Report rendering loads only data: URLs; rejected {url[:80]!r}.")
    return default_url_fetcher(url)


def html_to_pdf(html):
    """Return the PDF bytes of an HTML document, or raise RenderError when WeasyPrint cannot run."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:
        # OSError: WeasyPrint is installed but the Pango system libraries are not (`make install` adds them).
        raise RenderError(f"WeasyPrint cannot run: {error}. Run `make install` to install it and its system libraries.") from error

    try:
        return weasyprint.HTML(string=html, url_fetcher=_data_urls_only).write_pdf()
    except (OSError, ValueError, AssertionError) as error:
        logger.exception("pdf rendering failed")
        raise RenderError(f"WeasyPrint failed to render the PDF: {error}") from error
