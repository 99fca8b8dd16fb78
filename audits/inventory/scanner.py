"""Find catalog tools in a web page: script, pixel, iframe, link and form URLs, inline scripts, meta tags, cookies."""
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

from .detection import Detection

# Resource hints only tell the browser to open a connection early, and often outlive the tool itself.
WEAK_LINK_RELS = {"preconnect", "dns-prefetch"}
SNIPPET_RADIUS = 40
SET_COOKIE_NAME_RE = re.compile(r"(?:^|,)\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)=")


class _PageParser(HTMLParser):
    """Collect the parts of a page that reveal tools, without keeping the markup."""

    URL_ATTRIBUTES = {"script": ("src", "script"), "img": ("src", "pixel"), "iframe": ("src", "iframe"),
                      "link": ("href", "link"), "form": ("action", "form")}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls = []  # (kind, url, weak)
        self.inline_scripts = []
        self.meta_tags = []  # (name, content)
        self._script_parts = None

    def handle_starttag(self, tag, attrs):
        attributes = {key.lower(): (value or "") for key, value in attrs}

        if tag == "meta":
            name = attributes.get("name") or attributes.get("property") or attributes.get("http-equiv")
            if name:
                self.meta_tags.append((name.strip(), attributes.get("content", "")))
            return

        if tag in self.URL_ATTRIBUTES:
            attribute, kind = self.URL_ATTRIBUTES[tag]
            value = attributes.get(attribute, "").strip()
            if value:
                weak = tag == "link" and bool(WEAK_LINK_RELS & set(attributes.get("rel", "").lower().split()))
                self.urls.append((kind, value, weak))
            elif tag == "script":
                self._script_parts = []

    def handle_data(self, data):
        if self._script_parts is not None:
            self._script_parts.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script_parts is not None:
            self.inline_scripts.append("".join(self._script_parts))
            self._script_parts = None


def scan_html(html, *, url, headers=None, cookies=None, catalog):
    """Return the Detections for the catalog tools that `html` (fetched from `url`) reveals.

    `headers` is a mapping of response headers, whose Set-Cookie names are matched. `cookies` is an iterable
    of cookie names (or a name -> value mapping) seen for the site. JavaScript globals found only in inline
    script text are weak evidence, because the name may belong to other code.

    NOTE: only the static HTML is read. Tags that a tag manager injects at run time are not in it, so such a
    tool shows only through its cookie names, when the caller passes them.
    """
    parser = _PageParser()
    parser.feed(html or "")
    parser.close()

    found = {}
    _match_urls(parser.urls, url, catalog, found)
    _match_inline_scripts(parser.inline_scripts, url, catalog, found)
    _match_meta(parser.meta_tags, url, catalog, found)
    _match_cookies(_set_cookie_names(headers), "set_cookie", url, catalog, found)
    _match_cookies(list(cookies or ()), "cookie", url, catalog, found)

    return sorted(found.values(), key=lambda detection: (detection.slug, detection.kind, detection.evidence))


def _add(found, tool, kind, evidence, source, weak=False):
    key = (tool.slug, kind, evidence)
    if key in found and not found[key].weak:
        return
    found[key] = Detection(tool=tool, kind=kind, evidence=evidence, source=source, weak=weak)


def _match_urls(urls, page_url, catalog, found):
    for kind, raw_url, weak in urls:
        absolute = urljoin(page_url, raw_url)
        lowered = absolute.lower()
        for tool in catalog:
            if any(fragment in lowered for fragment in tool.scripts):
                _add(found, tool, kind, absolute, page_url, weak=weak)


def _match_inline_scripts(scripts, page_url, catalog, found):
    """Match URL fragments and globals in each inline script, keeping the first match per tool and kind."""
    pattern, owners = _globals_pattern(catalog)
    seen = set()

    for text in scripts:
        lowered = text.lower()
        for tool in catalog:
            for fragment in tool.scripts:
                position = lowered.find(fragment)
                if position >= 0 and (tool.slug, "inline_script") not in seen:
                    seen.add((tool.slug, "inline_script"))
                    _add(found, tool, "inline_script", _snippet(text, position, len(fragment)), page_url)

        if pattern is None:
            continue
        for match in pattern.finditer(text):
            name = match.group("name") or match.group("quoted")
            for tool in owners[name]:
                if (tool.slug, "global") not in seen:
                    seen.add((tool.slug, "global"))
                    snippet = _snippet(text, match.start(), match.end() - match.start())
                    _add(found, tool, "global", snippet, page_url, weak=True)


def _globals_pattern(catalog):
    owners = {}
    for tool in catalog:
        for name in tool.globals:
            owners.setdefault(name, []).append(tool)
    if not owners:
        return None, owners

    alternatives = "|".join(re.escape(name) for name in sorted(owners, key=len, reverse=True))
    # A global counts when the code calls it, reads a member, indexes it or assigns it, not as a bare word.
    pattern = re.compile(
        r"(?<![\w$.])(?:window\.)?(?P<name>%s)(?![\w$])\s*(?:\(|\.|\[|=(?!=))"
        r"|window\[\s*['\"](?P<quoted>%s)['\"]\s*\]" % (alternatives, alternatives)
    )
    return pattern, owners


def _match_meta(meta_tags, page_url, catalog, found):
    for name, content in meta_tags:
        lowered_name, lowered_content = name.lower(), content.lower()
        for tool in catalog:
            for fingerprint in tool.meta:
                if fingerprint.name != lowered_name:
                    continue
                if fingerprint.content and fingerprint.content.lower() not in lowered_content:
                    continue
                evidence = '<meta name="%s" content="%s">' % (name, content[:100])
                _add(found, tool, "meta", evidence, page_url)


def _set_cookie_names(headers):
    names = []
    for key, value in (headers or {}).items():
        if key.lower() != "set-cookie":
            continue
        for header in value if isinstance(value, (list, tuple)) else [value]:
            names.extend(SET_COOKIE_NAME_RE.findall(header))
    return names


def _match_cookies(names, kind, page_url, catalog, found):
    for name in names:
        for tool in catalog:
            if any(_cookie_matches(pattern, name) for pattern in tool.cookies):
                _add(found, tool, kind, name, page_url)


def _cookie_matches(pattern, name):
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    return name == pattern


def _snippet(text, start, length):
    begin = max(0, start - SNIPPET_RADIUS)
    end = min(len(text), start + length + SNIPPET_RADIUS)
    return " ".join(text[begin:end].split())
