"""Resource limits on what one document may cost, their defaults, their checks and their messages.

Every limit has a command-line flag (see :data:`FLAGS` and the README's limits table); each message names the
limit and the flag that raises it. The CLI sets them (:func:`configured`) for one command; they travel to workers
through the environment (``CHITHI_LIMITS``), so forked and spawned workers see the same values.
"""
from __future__ import annotations

import json
import os
import stat
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace

from pipeline.core.errors import BadInputError, ExternalTimeoutError, UsageError


@dataclass(frozen=True)
class Limits:
    max_pages: int = 1000              # pages (PDF pages, image frames) of one document
    max_chars: int = 2_000_000         # characters of one document's text
    max_megapixels: float = 40.0       # pixels of one rendered PDF page (scaled down to fit) or image frame (refused)
    max_docx_part_mb: float = 256.0    # uncompressed size of one part (file) inside a DOCX
    max_docx_total_mb: float = 512.0   # uncompressed size of all the parts of a DOCX
    max_memory_mb: int = 4096          # address space of a process reading a document (RLIMIT_AS)
    doc_timeout: float = 1800.0        # seconds for one document in a batch (extract/text with several, ingest)


#: flag of each limit
FLAGS = {"max_pages": "--max-pages", "max_chars": "--max-chars", "max_megapixels": "--max-megapixels",
         "max_docx_part_mb": "--max-docx-part-mb", "max_docx_total_mb": "--max-docx-total-mb",
         "max_memory_mb": "--max-memory-mb", "doc_timeout": "--doc-timeout"}

#: what each flag says in --help
_HELP = {"max_pages": "pages or image frames of one document", "max_chars": "characters of one document's text",
         "max_megapixels": "megapixels of a rendered PDF page (larger pages are rendered at a lower resolution) "
                           "or of an image frame (larger frames are refused)",
         "max_docx_part_mb": "MB of one part of a .docx once uncompressed",
         "max_docx_total_mb": "MB of all parts of a .docx once uncompressed",
         "max_memory_mb": "MiB of memory (address space) for a process reading a document",
         "doc_timeout": "seconds for one document in a batch"}

MAX_QUERY_CHARS = 1000  # a longer search query is refused
MAX_QUERY_TERMS = 64    # so is one with more words

ENV_VAR = "CHITHI_LIMITS"


def current() -> Limits:
    """The limits in force (the defaults unless :func:`configure` set others)."""
    raw = os.environ.get(ENV_VAR)
    if not raw:
        return Limits()
    try:
        return replace(Limits(), **{k: v for k, v in json.loads(raw).items() if k in FLAGS})
    except (ValueError, TypeError):
        return Limits()


def configure(limits: Limits) -> None:
    os.environ[ENV_VAR] = json.dumps(asdict(limits))


@contextmanager
def configured(limits: Limits):
    """:func:`configure` for the time of a ``with`` block (the CLI called in-process leaves nothing behind)."""
    old = os.environ.get(ENV_VAR)
    configure(limits)
    try:
        yield limits
    finally:
        if old is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = old


def add_flags(parser, *names: str) -> None:
    """Add the flags of the limits ``names`` (all of them by default) to an argparse parser."""
    defaults = Limits()
    for f in fields(Limits):
        if names and f.name not in names:
            continue
        default = getattr(defaults, f.name)
        parser.add_argument(FLAGS[f.name], dest=f.name, type=type(default), default=None, metavar="N",
                            help=f"limit: {_HELP[f.name]} (default {default:,})".replace(".0)", ")"))


def from_args(args) -> Limits:
    """The limits given on the command line (defaults for the others); refuses values below 1."""
    given = {}
    for name, flag in FLAGS.items():
        v = getattr(args, name, None)
        if v is None:
            continue
        if v < 1:
            raise UsageError(f"{flag} must be 1 or more")
        given[name] = v
    return replace(Limits(), **given)


def _raise_hint(name: str) -> str:
    return f"raise the limit with {FLAGS[name]}"


def _mb(n: float) -> str:
    return f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB"


# -- files ------------------------------------------------------------------------------------------------

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


def special_file(path: str | os.PathLike) -> str | None:
    """What ``path`` is when it is neither a regular file nor a folder (a FIFO, a socket, a device), else None.
    Looks with stat only: opening a FIFO for reading would block."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def check_regular(path: str | os.PathLike) -> None:
    kind = special_file(path)
    if kind:
        raise BadInputError(f"{os.fspath(path)}: is {kind}, not a regular file", "only regular files are read")


# -- sizes ------------------------------------------------------------------------------------------------

def check_docx_parts(name: str, zf) -> None:
    """Refuse a DOCX (an open ZipFile) whose parts would inflate past the limits, from the sizes the zip
    directory declares (zipfile checks the real sizes against them while reading, so they cannot lie)."""
    lim = current()
    part_cap, total_cap = lim.max_docx_part_mb * 1e6, lim.max_docx_total_mb * 1e6
    total = 0
    for info in zf.infolist():
        if info.file_size > part_cap:
            raise BadInputError(f"{name}: {info.filename} inflates to {_mb(info.file_size)}, over the "
                                f"{lim.max_docx_part_mb:g} MB limit on one .docx part",
                                _raise_hint("max_docx_part_mb"))
        total += info.file_size
    if total > total_cap:
        raise BadInputError(f"{name}: the .docx inflates to {_mb(total)}, over the {lim.max_docx_total_mb:g} MB "
                            "limit on all its parts", _raise_hint("max_docx_total_mb"))


def check_pages(name: str, n: int, what: str = "pages") -> None:
    lim = current()
    if n > lim.max_pages:
        raise BadInputError(f"{name}: {n} {what}, over the {lim.max_pages} page limit", _raise_hint("max_pages"))


def check_text_bytes(name: str, n: int) -> None:
    """Before decoding: a text file of more than 4 bytes per allowed character cannot be within the limit."""
    lim = current()
    if n > 4 * lim.max_chars:
        raise BadInputError(f"{name}: the text file is {_mb(n)}, more than the {lim.max_chars:,} character limit "
                            "allows", "split the document, or " + _raise_hint("max_chars"))


def check_chars(name: str, n: int) -> None:
    lim = current()
    if n > lim.max_chars:
        raise BadInputError(f"{name}: the text has {n:,} characters, over the {lim.max_chars:,} character limit",
                            "split the document, or " + _raise_hint("max_chars"))


def check_frame(name: str, w: int, h: int, frame: int | None = None) -> None:
    """Refuse an image frame over the pixel limit (before decoding it)."""
    lim = current()
    if w * h > lim.max_megapixels * 1e6:
        where = f"frame {frame + 1} of the image" if frame else "image"
        raise BadInputError(f"{name}: {where} is {w}×{h} px, over the {lim.max_megapixels:g} megapixel limit",
                            "scan at 300 dpi or split the image, or " + _raise_hint("max_megapixels"))


def fit_scale(width_pt: float, height_pt: float, dpi: float) -> float:
    """The render scale (pixels per PDF point) at ``dpi``, lowered so the page stays within the pixel limit."""
    scale = dpi / 72
    cap = current().max_megapixels * 1e6
    px = width_pt * height_pt * scale * scale
    if px > cap:
        scale *= (cap / px) ** 0.5
    return scale


# -- memory and time ------------------------------------------------------------------------------------

def set_memory_limit() -> None:
    """Cap this process's address space (RLIMIT_AS) at the memory limit; children inherit it.  A document that
    needs more fails with :func:`out_of_memory` instead of taking the machine."""
    import resource

    cap = int(current().max_memory_mb) * 2**20
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft == resource.RLIM_INFINITY or cap < soft:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def out_of_memory(name: str) -> BadInputError:
    lim = current()
    return BadInputError(f"{name}: out of memory under the {lim.max_memory_mb} MiB limit",
                         _raise_hint("max_memory_mb"))


def is_out_of_memory(e: BaseException) -> bool:
    """MemoryError, or a C library's way of saying it (lxml: 'Memory allocation failed', 'unknown error' after a
    failed allocation)."""
    if isinstance(e, MemoryError):
        return True
    text = f"{e} {getattr(e, 'error_log', '')}".lower()
    return "err_no_memory" in text or "memory allocation failed" in text or "cannot allocate memory" in text or "out of memory" in text


def timed_out(name: str) -> ExternalTimeoutError:
    lim = current()
    return ExternalTimeoutError(f"{name}: took longer than the {lim.doc_timeout:g} s limit on one document",
                                _raise_hint("doc_timeout"))


class deadline:
    """``with deadline(name, seconds):`` raises :func:`timed_out` in this (main) thread when the time is up
    (SIGALRM); a no-op elsewhere, for None, or off the main thread."""

    def __init__(self, name: str, seconds: float | None):
        self.name, self.seconds, self.old = name, seconds, None

    def __enter__(self):
        import signal
        import threading

        if not self.seconds or threading.current_thread() is not threading.main_thread():
            return self
        if self.seconds <= 0:
            raise timed_out(self.name)

        def ring(signum, frame):
            raise timed_out(self.name)

        self.old = signal.signal(signal.SIGALRM, ring)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        import signal

        if self.old is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.old)
        return False


# -- search ------------------------------------------------------------------------------------------------

def check_query(query: str, terms: int | None = None) -> None:
    if len(query) > MAX_QUERY_CHARS:
        raise UsageError(f"the query has {len(query):,} characters, over the {MAX_QUERY_CHARS:,} character limit",
                         "search for fewer words")
    if terms is not None and terms > MAX_QUERY_TERMS:
        raise UsageError(f"the query has {terms} words, over the {MAX_QUERY_TERMS} word limit",
                         "search for fewer words")
