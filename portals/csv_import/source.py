"""Opening of an export file: binary handle, encoding and delimiter detection."""

import codecs
import io
import logging
import os
import re

logger = logging.getLogger(__name__)

SCAN_CHUNK_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t")
FALLBACK_ENCODING = "cp1252"

# Excel writes this first line when the user asks for a delimiter hint ("sep=;").
_SEPARATOR_LINE = re.compile(r'"?sep=(.)"?\r?\n?')

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def open_binary(source):
    """Return (binary file, whether this module opened it, base name or None).

    ``source`` is a path or a binary file object such as a Django UploadedFile.
    """
    if isinstance(source, (str, os.PathLike)):
        return open(source, "rb"), True, os.path.basename(os.fspath(source))

    if isinstance(source, io.TextIOBase):
        raise TypeError("open the export in binary mode ('rb'); the encoding is detected here")
    if not hasattr(source, "read"):
        raise TypeError("expected a path or a binary file object, got %s" % type(source).__name__)

    name = getattr(source, "name", None)
    if isinstance(name, (str, os.PathLike)):
        name = os.path.basename(os.fspath(name))
    else:
        name = None

    # io.TextIOWrapper needs the io interface; a bare object with read() is read as a stream.
    if not all(hasattr(source, attribute) for attribute in ("readable", "seekable", "closed")):
        source = io.BufferedReader(_ReadOnlyStream(source))
    return source, False, name


class _ReadOnlyStream(io.RawIOBase):
    """Raw stream over any object with read(size); closing it leaves that object open."""

    def __init__(self, source):
        self._source = source

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def is_seekable(binary):
    seekable = getattr(binary, "seekable", None)
    return bool(seekable and seekable())


def detect_encoding(binary, requested=None, file_name=None):
    """Return (encoding, verified, description) for the file.

    A BOM wins. Without one, the whole file is decoded as UTF-8 in chunks and, only when
    that fails, as Windows-1252, which decodes every printable Latin-1 character the same way.
    ``verified`` is True when the whole file decodes without error, so rows need no check.
    The file position is restored. A stream that cannot seek is read as UTF-8 (BOM optional)
    or ``requested``, unverified.
    """
    if not is_seekable(binary):
        encoding = requested or "utf-8-sig"
        return encoding, False, _describe(encoding)

    start = binary.tell()
    head = binary.read(4)
    binary.seek(start)
    bom_encoding = next((name for bom, name in _BOMS if head.startswith(bom)), None)

    if requested:
        if bom_encoding == "utf-8-sig" and codecs.lookup(requested).name == "utf-8":
            requested = bom_encoding
        return requested, False, _describe(requested)

    if bom_encoding:
        return bom_encoding, _decodes(binary, start, bom_encoding), _describe(bom_encoding)
    if _decodes(binary, start, "utf-8"):
        return "utf-8", True, "UTF-8"

    logger.warning("csv export is not valid UTF-8, decoding as cp1252 file=%s", file_name)
    verified = _decodes(binary, start, FALLBACK_ENCODING)
    return FALLBACK_ENCODING, verified, "UTF-8 or Windows-1252"


def _describe(encoding):
    name = codecs.lookup(encoding).name
    return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}.get(name, name)


def _decodes(binary, start, encoding):
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        while True:
            chunk = binary.read(SCAN_CHUNK_BYTES)
            decoder.decode(chunk, final=not chunk)
            if not chunk:
                return True
    except UnicodeDecodeError:
        return False
    finally:
        binary.seek(start)


def open_text(binary, encoding):
    """Wrap the binary file for the csv module.

    Undecodable bytes become lone surrogates (errors="surrogateescape") so that the row that
    contains them can be named in the error instead of failing somewhere inside a read buffer.
    """
    return io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")


def read_delimiter(first_line):
    """Return (delimiter, whether first_line is an Excel "sep=" line to skip).

    The delimiter is the one of comma, semicolon and tab that occurs most often outside
    double quotes in the header line. Ties and a line without any of them give a comma.
    """
    hint = _SEPARATOR_LINE.fullmatch(first_line)
    if hint:
        return hint.group(1), True

    counts = dict.fromkeys(DELIMITERS, 0)
    in_quotes = False
    for char in first_line:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in counts:
            counts[char] += 1

    best = max(DELIMITERS, key=counts.__getitem__)
    return (best if counts[best] else ","), False


def describe_delimiter(delimiter):
    """Return the delimiter as a message shows it."""
    return "tab" if delimiter == "\t" else '"%s"' % delimiter
