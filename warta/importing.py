"""`warta import`: turn anyone's WARC files into archive rows, as a crawl would.

Every HTML response record (status 200, text/html) goes through the crawl's
own extraction (`extract_article`, continuation pages included) and its whole
pipeline chain (`pipelines.chain.process`: validation, normalisation, dedupe,
clusters, revisions, FTS). Two passes per import:

1. index: read every record of every file once, keep only a small `Capture`
   (URL, file, offset, length, date, ids) per HTML response, never the bodies:
   a 1 GB CC-NEWS file does not sit in memory. With jobs > 1 and several files,
   forked workers index the files, and their indexes are merged in file order;
2. articles: for each first page (in capture order), read its record back by
   offset, find its continuation pages' URLs in the index, read those, extract
   the whole article and hand it to the chain. With jobs > 1, forked workers do
   the reading and extraction (CHUNK articles a task), and the stemming,
   cleaning, URL canonicalising and near-duplicate signing the chain would do,
   while this process runs the chain, in the same order (`_Extracted`). The
   workers share their stems as they go (`StemLog`). A configured outlet's own
   listing pages (crawler/listings.py) are skipped by URL, never extracted.

The archive points into WARC, as a crawl's does. A page the store keeps (a new or
updated article's) has its response record, and the request record that went with
it when the file has one, copied byte for byte (same WARC-Record-ID, same payload
digest) into a new file of the archive's WARC folder (`RollingWarc`: a crawl's
naming, flock and rolling; no crawl ever appends to it), and its raw page points
there. The copy happens only then (`Archive.page_pointer`), so an unchanged or
duplicate article copies nothing; a record the archive already points at (an earlier
import, the crawl that wrote the file) is not copied again. The copies are fsynced
before each batch commits (`Archive.before_commit`): a crash leaves no pointer to a
missing or torn record.

A `revisit` record (an unchanged re-fetch) reads as the record it refers to
(WARC-Refers-To, else the same URL's record with its payload digest), seen at the
revisit's own date. Seen times are the records' WARC-Date, never the import's clock:
a page's fetched_at, and the article's first/last_seen_at (its first page's date, as
a crawl stores them), so importing a crawl's WARC gives the crawl's times.

A bad or torn record is counted with its reason and skipped; a file that is not
a WARC at all is one error line for that file; neither stops the import.
Importing the same files again stores nothing new: each article comes out
`unchanged` (Archive.store neither adds a row nor keeps a version for it; its
last_seen_at is set to the same WARC-Date again), and no record is copied.
"""

from __future__ import annotations

import gzip
import multiprocessing
import resource
import tempfile
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from io import BytesIO
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, Self
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse
from w3lib.url import canonicalize_url
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParser, StatusAndHeadersParserException

from crawler.extraction import continuation_urls, extract_article, fetch_url_for
from crawler.extraction.text import clean_or_none, clean_paragraphs, learn_clean_paragraphs
from crawler.items import Article, FetchedPage, WarcPointer
from crawler.listings import is_listing, listing_pattern
from crawler.sources import Source
from crawler.spiders.base import HTML_TYPES, not_an_article, page_of, parsed
from crawler.urls import canonical_url, configured_hosts, learn_canonical
from pipelines.chain import process
from pipelines.dedupe import DuplicateArticle
from pipelines.validate import MIN_BODY_CHARS, InvalidArticle
from storage.archive import Archive
from storage.neardup import Signature, learn_signature, signature
from storage.stemming import StemLog, learn_stemmed, learn_stems, stem_text, stems_of
from storage.warc import DEFAULT_MAX_BYTES, RollingWarc, as_gzip_member, recover_open_files

# --any-site: a page of a site no source owns is news-like when extraction finds a
# title, a publication time, and a body of at least this many characters (about
# three paragraphs; a section front or a "contact us" page has no date or less text).
NEWS_BODY_CHARS = 400
PROGRESS_EVERY = 1.0  # seconds between progress reports
LISTING_PAGE = "a listing page of its outlet (section hub or daily index)"


@dataclass(frozen=True)
class Span:
    """Where one record lies in a WARC file (its gzip member, when gzipped)."""

    path: Path
    offset: int
    length: int


@dataclass(frozen=True)
class Capture:
    """One HTML page capture, as the index keeps it (no body): a response record, or a
    revisit record resolved to the response it refers to (whose record it reads)."""

    url: str
    date: str  # WARC-Date of the capture (a revisit's own date)
    record: Span  # the response record holding the page's bytes
    record_id: str  # its WARC-Record-ID
    digest: str  # its WARC-Payload-Digest ("" when the file gives none)
    links: tuple[str, ...] = ()  # its WARC-Concurrent-To ids (its request record's, say)

    @property
    def path(self) -> Path:
        return self.record.path

    @property
    def offset(self) -> int:
        """Where the record starts in the file (its gzip member, when gzipped)."""
        return self.record.offset


@dataclass(frozen=True)
class _Revisit:
    """A revisit record of an HTML page, until the record it refers to is found."""

    url: str
    date: str
    refers_to: str  # WARC-Refers-To ("" when absent)
    digest: str


@dataclass
class Index:
    """What pass 1 keeps of every file: the HTML page captures by URL, and where the
    request records are (by their own id and the ids they are concurrent to)."""

    pages: dict[str, list[Capture]] = field(default_factory=dict)
    requests: dict[str, Span] = field(default_factory=dict)
    revisits: list[_Revisit] = field(default_factory=list)

    def add(self, capture: Capture) -> None:
        self.pages.setdefault(capture.url, []).append(capture)

    def request_of(self, capture: Capture) -> Span | None:
        """The request record that went with a capture's response record, if any."""
        for record_id in (capture.record_id, *capture.links):
            if record_id in self.requests:
                return self.requests[record_id]
        return None

    def resolve_revisits(self, report: ImportReport) -> None:
        """Each revisit becomes a capture of the response record it refers to."""
        by_id = {c.record_id: c for captures in self.pages.values() for c in captures}
        by_digest = {(c.url, c.digest): c for cs in self.pages.values() for c in cs if c.digest}
        for revisit in self.revisits:
            original = by_id.get(revisit.refers_to) or by_digest.get((revisit.url, revisit.digest))
            if original is None:
                report.skipped["revisit of a record not in the files"] += 1
                continue
            self.add(replace(original, url=revisit.url, date=revisit.date))
        self.revisits = []


@dataclass
class ImportReport:
    """What an import read and stored."""

    files: int = 0
    records: int = 0  # WARC records read, every type
    pages: int = 0  # HTML response (and revisit) records indexed
    articles: int = 0  # articles handed to the pipeline chain
    copied: int = 0  # records copied into the archive's WARC folder
    outcomes: Counter[str] = field(default_factory=Counter)  # new/updated/unchanged/duplicate
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> records or articles
    file_errors: list[tuple[str, str]] = field(default_factory=list)  # (file, one line)
    seconds: float = 0.0
    # CPU seconds of this process (which runs the chain and writes the archive: the part
    # more workers cannot speed up) and of its worker processes (pass 1 and extraction)
    writer_cpu: float = 0.0
    workers_cpu: float = 0.0

    @property
    def stored(self) -> int:
        return self.outcomes["new"] + self.outcomes["updated"]


Progress = Callable[[ImportReport, str], None]  # (report so far, phase: "index"/"articles")


def import_warcs(
    archive: Archive,
    paths: Iterable[str | Path],
    *,
    sources: Mapping[str, Source],
    any_site: bool = False,
    progress: Progress | None = None,
    jobs: int = 1,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportReport:
    """Import the HTML response records of these WARC files into `archive`, copying the
    records of the pages it keeps into `archive.warc_dir` (files rolled at `max_bytes`).

    With `jobs` > 1, that many worker processes read and extract articles while this
    one runs the pipeline chain (which writes the archive) on them, in the same order.
    """
    report = ImportReport()
    started = time.monotonic()
    cpu_started, workers_started = time.process_time(), _children_cpu()
    ticker = _Ticker(report, progress)
    hosts = configured_hosts(sources)
    index = Index()
    shapes = _index_all([Path(p) for p in paths], hosts, report, index, ticker, jobs)
    index.resolve_revisits(report)
    chosen: list[Capture] = []
    owner: dict[str, Source | None] = {}  # by first page URL: looked up once
    listings = {source_id: listing_pattern(source) for source_id, source in sources.items()}
    for capture in first_pages(index.pages, hosts, shapes):
        source = owner[capture.url] = source_for(capture.url, sources)
        if source is None and not any_site:
            report.skipped["not a configured outlet"] += 1
        elif source is not None and is_listing(capture.url, listings[source.id]):
            # read by a crawl for its links, never as an article: not worth extracting
            report.skipped[LISTING_PAGE] += 1
        else:
            chosen.append(capture)
    with RecordCopier(archive, index, report, max_bytes):
        for capture, article in extracted(chosen, index.pages, report, jobs, hosts):
            if article is not None:
                _store(article, owner[capture.url], archive, hosts, report)
            ticker.tick("articles")
        archive.flush()  # before_commit makes the last batch's copies durable first
    report.seconds = time.monotonic() - started
    report.writer_cpu = time.process_time() - cpu_started
    report.workers_cpu = _children_cpu() - workers_started  # the pools have been joined
    return report


# -- pass 1: the index -------------------------------------------------------------------


def _index_all(
    paths: list[Path],
    hosts: Collection[str],
    report: ImportReport,
    index: Index,
    ticker: _Ticker,
    jobs: int,
) -> dict[str, _Shape]:
    """Pass 1 over every file into `index` (and `report`), in the files' order; with
    jobs > 1 and several files, the files are indexed in parallel by worker processes,
    which also work out each URL's `_Shape` (what `first_pages` needs of it), and their
    indexes are merged here in the files' order: the same index as one process makes.
    The shapes worked out (by URL) are returned; `first_pages` works out any other."""
    if jobs <= 1 or len(paths) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for path in paths:
            report.files += 1
            for _ in index_file(path, report, index):
                ticker.tick("index")
        return {}
    shapes: dict[str, _Shape] = {}
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(min(jobs, len(paths)), mp_context=context) as pool:
        for part in pool.map(_index_in_worker, paths, [tuple(hosts)] * len(paths)):
            report.files += 1
            part.merge_into(report, index)
            shapes.update(part.shapes)
            ticker.tick("index")
    return shapes


@dataclass
class _FileIndex:
    """What a worker's pass 1 over one file hands back (captures only: no bodies)."""

    report: ImportReport
    index: Index
    shapes: dict[str, _Shape]

    def merge_into(self, report: ImportReport, index: Index) -> None:
        """Add this file's part as `index_file` would have added it, file after file."""
        report.records += self.report.records
        report.pages += self.report.pages
        report.skipped.update(self.report.skipped)
        report.file_errors.extend(self.report.file_errors)
        for url, captures in self.index.pages.items():
            index.pages.setdefault(url, []).extend(captures)
        for key, span in self.index.requests.items():
            index.requests.setdefault(key, span)
        index.revisits.extend(self.index.revisits)


def _index_in_worker(path: Path, hosts: tuple[str, ...]) -> _FileIndex:
    report, index = ImportReport(), Index()
    for _ in index_file(path, report, index):
        pass
    urls = {*index.pages, *(revisit.url for revisit in index.revisits)}
    return _FileIndex(report, index, {url: _shape(url, hosts) for url in urls})


def index_file(path: Path, report: ImportReport, index: Index) -> Iterator[Capture]:
    """Index one file's HTML page captures and request records (yielding each capture);
    what cannot be read is counted in `report`."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        report.file_errors.append((str(path), exc.strerror or str(exc)))
        return
    with handle:
        records = ArchiveIterator(handle, no_record_parse=True, check_digests=False)
        read = 0  # records of this file read so far
        try:
            for record in records:
                if read == 0 and record.format != "warc":  # warcio reads any text as ARC
                    report.file_errors.append((str(path), "not a WARC file (no WARC/1.x record)"))
                    return
                read += 1
                report.records += 1
                capture = _index_record(record, records, path, report, index)
                if capture is not None:
                    report.pages += 1
                    index.add(capture)
                    yield capture
        except Exception as exc:  # torn gzip (zlib.error), cut record (EOFError), not a WARC
            if read == 0:  # its very first record failed: the file is no WARC at all
                report.file_errors.append((str(path), f"not a WARC file ({_reason(exc)})"))
            else:  # the rest of the file cannot be found reliably past a torn record
                report.skipped[f"torn record: {_reason(exc)}"] += 1


def _index_record(
    record: ArcWarcRecord, records: ArchiveIterator, path: Path, report: ImportReport, index: Index
) -> Capture | None:
    """Note a request record's place; the capture of an HTML 200 response; a revisit of
    one is kept in `index` until pass 1 ends. Anything else: None (counted if bad)."""
    kind = record.rec_type
    if kind not in ("response", "revisit", "request"):
        return None
    headers = record.rec_headers
    record_id = headers.get_header("WARC-Record-ID") or ""
    links = tuple(value for name, value in headers.headers if name == "WARC-Concurrent-To")
    url = headers.get_header("WARC-Target-URI") or ""
    if kind == "request":
        records.read_to_end(record)
        span = Span(path, records.get_record_offset(), records.get_record_length())
        for key in (record_id, *links):
            index.requests.setdefault(key, span)
        return None
    if not url.startswith(("http://", "https://")):
        report.skipped[f"{kind} without an http(s) target"] += 1
        return None
    block = record.raw_stream.read()  # a torn record ends early: warcio reads no further
    records.read_to_end(record)  # the record's length is known only once it is read
    if record.length is None or len(block) < record.length:  # cut in its headers or block
        report.skipped["torn record: shorter than its Content-Length"] += 1
        return None
    if not _html_200(block, kind, report):
        return None
    date = headers.get_header("WARC-Date") or ""
    digest = headers.get_header("WARC-Payload-Digest") or ""
    if kind == "revisit":
        refers = headers.get_header("WARC-Refers-To") or ""
        index.revisits.append(_Revisit(url, date, refers, digest))
        return None
    span = Span(path, records.get_record_offset(), records.get_record_length())
    return Capture(url, date, span, record_id, digest, links)


def _html_200(block: bytes, kind: str, report: ImportReport) -> bool:
    """Whether a record's HTTP headers are those of an HTML page (status 200); a revisit
    may carry none (then its original's decide, when it is read)."""
    if kind == "revisit" and not block.strip():
        return True
    http = _http_headers(block)
    if http is None:
        report.skipped["bad HTTP headers"] += 1
        return False
    status = http.get_statuscode()
    media_type = (http.get_header("Content-Type") or "").split(";")[0].strip().lower()
    # a redirect, an error page, an image: not an article page
    return status == "200" and (not media_type or media_type in HTML_TYPES)


def _http_headers(block: bytes) -> Any:
    """A record block's HTTP status line and headers, parsed here (None when unreadable):
    with no_record_parse, a bad header block fails this record, not the iterator."""
    try:
        return StatusAndHeadersParser(["HTTP/1.0", "HTTP/1.1"]).parse(BytesIO(block))
    except (StatusAndHeadersParserException, ValueError, EOFError):
        return None


# -- copying the records the archive keeps ------------------------------------------------


class RecordCopier:
    """Copies a kept page's response record (and its request record) into the archive's
    WARC folder and gives the page its pointer there (`Archive.page_pointer`)."""

    def __init__(self, archive: Archive, index: Index, report: ImportReport, max_bytes: int):
        self.archive = archive
        self.index = index
        self.report = report
        self.out = RollingWarc(archive.warc_dir, max_bytes)
        self.copies: dict[str, WarcPointer] = {}  # source record id -> its copy
        self.sources: dict[Path, BinaryIO] = {}

    def __enter__(self) -> Self:
        for name, cut in recover_open_files(self.archive.warc_dir):
            self.report.skipped[f"WARC file {name} left torn: {cut} bytes cut"] += 1
        self.archive.page_pointer = self.pointer
        self.archive.before_commit.append(self.out.sync)
        return self

    def __exit__(self, *exc: object) -> None:
        self.archive.page_pointer = None
        if self.out.sync in self.archive.before_commit:
            self.archive.before_commit.remove(self.out.sync)
        self.out.close()
        for handle in self.sources.values():
            handle.close()

    def pointer(self, page: object) -> WarcPointer | None:
        """The kept page's record in the archive's WARC folder, copied there if need be."""
        capture = getattr(page, "capture", None)
        if not isinstance(capture, Capture):
            return None
        known = self.copies.get(capture.record_id) or self.archive.warc_pointer_to(
            capture.url, capture.record_id
        )
        if known is not None:
            return known
        response = as_gzip_member(self._read(capture.record))
        request = self.index.request_of(capture)
        data = response + (as_gzip_member(self._read(request)) if request else b"")
        name, offset = self.out.append(data)
        self.report.copied += 2 if request else 1
        copy = WarcPointer(name, offset, len(response), capture.record_id, capture.digest)
        self.copies[capture.record_id] = copy
        return copy

    def _read(self, span: Span) -> bytes:
        handle = self.sources.get(span.path)
        if handle is None:
            handle = self.sources[span.path] = span.path.open("rb")
        handle.seek(span.offset)
        return handle.read(span.length)


# -- pass 2: articles ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    """What `first_pages` asks of a captured URL (canonicalising is its costly part)."""

    whole: bool  # it is the URL a crawl requests for its article (the whole view)
    canonical: bool  # it is its article's canonical URL
    wanted: str  # the URL a crawl requests for its article


def _shape(url: str, hosts: Collection[str]) -> _Shape:
    canonical = canonical_url(url, hosts)
    wanted = fetch_url_for(canonical)
    this = canonicalize_url(_https(url))  # query order as the canonical URL writes it
    return _Shape(this == canonicalize_url(wanted), this == canonical, wanted)


def first_pages(
    index: Mapping[str, list[Capture]],
    hosts: Collection[str],
    shapes: Mapping[str, _Shape] | None = None,
) -> list[Capture]:
    """The captures that begin an article, in capture order (revisions stay in order).

    A first page is the URL a crawl requests for an article (`fetch_url_for` of its
    canonical URL: the whole view `?page=all` where the outlet has one), or the
    canonical URL itself when that whole view was not captured. Not first pages: a
    continuation page (`?page=2`, detik's `/slug/2`: read with its first page), and
    a partial view whose whole view is in the files too (it would read as a revision).
    `shapes`: the URLs' shapes already worked out (by pass 1's workers).
    """
    firsts = []
    for url, captures in index.items():
        shape = (shapes or {}).get(url) or _shape(url, hosts)
        if shape.whole or (shape.canonical and not _captured(shape.wanted, index)):
            firsts.extend(captures)
    return sorted(firsts, key=lambda c: (c.date, str(c.path), c.offset))


def _https(url: str) -> str:
    """The URL as canonical URLs write it: https (captures may be of http:// pages)."""
    return "https://" + url.removeprefix("http://").removeprefix("https://")


def _captured(url: str, index: Mapping[str, list[Capture]]) -> bool:
    return url in index or url.replace("https://", "http://", 1) in index


def source_for(url: str, sources: Mapping[str, Source]) -> Source | None:
    """The configured source owning the URL, if any."""
    return next((source for source in sources.values() if source.owns_url(url)), None)


def assemble(
    first: Capture, index: Mapping[str, list[Capture]], report: ImportReport
) -> Article | None:
    """The article whose first page is `first`, with its continuation pages found in the
    index, extracted as the spider extracts it (crawler/spiders/base.py); None, counted
    with its reason, when a page cannot be read or is missing."""
    page = load_page(first, report)
    if page is None:
        return None
    tree = parsed(page.body)
    pages = [page]
    for url in continuation_urls(page.body if tree is None else tree, page.url):
        captures = index.get(url)
        if not captures:
            report.skipped["continuation page not in the WARC files"] += 1
            return None
        more = load_page(_nearest(captures, first), report)
        if more is None:
            return None
        pages.append(more)
    html = page.body if tree is None else tree
    article = extract_article(html, page.url, more_pages=[(p.body, p.url) for p in pages[1:]])
    if article is None:
        report.skipped["not an HTML document"] += 1
        return None
    article.pages = pages
    return article


# The index and the config's hosts, as forked workers inherit them (set just before the
# pool starts).
_WORKER_INDEX: Mapping[str, list[Capture]] = {}
_WORKER_HOSTS: frozenset[str] = frozenset()
_WORKER_STEMS: StemLog | None = None  # the workers' shared stems (storage/stemming.py)
CHUNK = 8  # articles per task: a task's round trip costs about what a small article does
WINDOW = 8  # tasks in flight in the workers: extracted articles wait in memory


def extracted(
    firsts: list[Capture],
    index: Mapping[str, list[Capture]],
    report: ImportReport,
    jobs: int,
    hosts: frozenset[str] = frozenset(),
) -> Iterator[tuple[Capture, Article | None]]:
    """Each first page with its assembled article (None when it could not be), in order."""
    if jobs <= 1 or len(firsts) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for capture in firsts:
            yield capture, assemble(capture, index, report)
        return
    global _WORKER_INDEX, _WORKER_STEMS, _WORKER_HOSTS
    _WORKER_INDEX = index  # forked, not pickled: a large index is not copied per task
    _WORKER_HOSTS = hosts
    context = multiprocessing.get_context("fork")
    # chunks smaller than CHUNK for a small import, so that every worker has some
    size = max(1, min(CHUNK, len(firsts) // (2 * jobs)))
    chunks = (firsts[start : start + size] for start in range(0, len(firsts), size))
    with (
        tempfile.TemporaryDirectory(prefix="warta-import-") as folder,
        ProcessPoolExecutor(jobs, mp_context=context) as pool,
        _worker_state_cleared(),
    ):
        _WORKER_STEMS = StemLog(Path(folder) / "stems")
        _WORKER_STEMS.path.touch()
        pending = deque((c, pool.submit(_assemble_chunk, c)) for c in islice(chunks, WINDOW))
        while pending:
            chunk, future = pending.popleft()
            following = next(chunks, None)
            if following is not None:  # keep WINDOW tasks in flight, no more
                pending.append((following, pool.submit(_assemble_chunk, following)))
            for capture, done in zip(chunk, future.result(), strict=True):
                report.skipped.update(done.skipped)
                done.learn()
                yield capture, done.article


@contextmanager
def _worker_state_cleared() -> Iterator[None]:
    """Clear what the workers inherited once they are gone: the stem log's folder is
    deleted with the pool, and a later import in this process must not use it."""
    global _WORKER_INDEX, _WORKER_STEMS, _WORKER_HOSTS
    try:
        yield
    finally:
        _WORKER_INDEX, _WORKER_STEMS, _WORKER_HOSTS = {}, None, frozenset()


@dataclass
class _Extracted:
    """What a worker hands back: the article, what it skipped, and work done ahead for
    the writing process, which then finds it in its caches instead of doing it again:
    the stems of the article's words (stemming is about half of an article's cost) and
    its texts as the stemmed index holds them (`learn_stems`, `learn_stemmed`), its
    body cleaned as normalise cleans it (`learn_clean_paragraphs`), its body's
    near-duplicate signature (`learn_signature`), and the canonical forms of its URLs
    (`learn_canonical`). The writing process runs the pipeline chain on every
    article (it is the one process writing the archive): the less it computes, the
    faster an import goes."""

    article: Article | None
    skipped: Counter[str]
    stems: dict[str, str] = field(default_factory=dict)
    body: str | None = None  # the body as the chain's normalise step will leave it
    signature: Signature | None = None
    raw_body: str | None = None  # the body as extracted (cleaned to `body` by normalise)
    stemmed: dict[str, str] = field(default_factory=dict)  # text -> stem_text(text)
    canonical: dict[str, str] = field(default_factory=dict)  # URL -> canonical_url(URL)
    hosts: frozenset[str] = frozenset()

    def learn(self) -> None:
        learn_stems(self.stems)
        if self.body is not None:
            learn_signature(self.body, self.signature)
        if self.raw_body:
            learn_clean_paragraphs(self.raw_body, self.body)
        for text, stemmed in self.stemmed.items():
            learn_stemmed(text, stemmed)
        for url, canonical in self.canonical.items():
            learn_canonical(url, self.hosts, canonical)


def _assemble_chunk(firsts: list[Capture]) -> list[_Extracted]:
    return [_assemble_in_worker(first) for first in firsts]


def _assemble_in_worker(first: Capture) -> _Extracted:
    report = ImportReport()
    article = assemble(first, _WORKER_INDEX, report)
    if article is None:
        return _Extracted(None, report.skipped)
    body = clean_paragraphs(article.body)  # what normalise does to it (a miss costs nothing)
    sig = signature(body) if body is not None else None
    if sig is not None:
        sig.band_keys  # noqa: B018 -- worked out here (cached on it), not by the writer
    share = _WORKER_STEMS.stems_of if _WORKER_STEMS is not None else stems_of
    stems = share(article.title, article.summary, body)
    # the texts and URLs as the chain will ask for them (normalise's cleaning; the
    # fetched URL `_store` sets, the declared one normalise canonicalises)
    texts = (clean_or_none(article.title), clean_or_none(article.summary), body)
    stemmed = {text: stem_text(text) for text in texts if text}
    urls = {article.pages[0].url, article.canonical_url or article.url}
    canonical = {url: canonical_url(url, _WORKER_HOSTS) for url in urls if url}
    return _Extracted(
        article, report.skipped, stems, body, sig, article.body, stemmed, canonical, _WORKER_HOSTS
    )


def _nearest(captures: list[Capture], first: Capture) -> Capture:
    """The capture of a continuation page closest in time to its first page's."""
    return min(captures, key=lambda c: abs(_when(c.date) - _when(first.date)))


def _when(date: str) -> float:
    try:
        return datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def load_page(capture: Capture, report: ImportReport) -> FetchedPage | None:
    """Read one response record back by its offset, as the page a crawl would have had.

    The body is de-chunked and Content-Encoding decoded (warcio's content_stream), as
    Scrapy hands it; the spider's own checks (`not_an_article`) then apply."""
    try:
        response = _response_at(capture)
    except Exception as exc:  # torn gzip (zlib.error), cut record, bad headers
        report.skipped[f"unreadable record: {_reason(exc)}"] += 1
        return None
    refused = not_an_article(response)
    if refused:
        report.skipped[refused[0].replace("_", " ")] += 1
        return None
    page = page_of(response)
    # seen when the record says it was fetched, not when it is imported
    fetched_at = datetime.fromisoformat(capture.date.replace("Z", "+00:00")).astimezone(UTC)
    return ImportedPage(**{**vars(page), "fetched_at": fetched_at}, capture=capture)


@dataclass
class ImportedPage(FetchedPage):
    """A page read from a WARC file: where its record is, for RecordCopier to copy it."""

    capture: Capture | None = None


def _response_at(capture: Capture) -> HtmlResponse:
    with capture.path.open("rb") as handle:
        handle.seek(capture.offset)
        record = next(iter(ArchiveIterator(handle, check_digests=False)))
        return _response_of(record, capture.url)


def _response_of(record: ArcWarcRecord, url: str) -> HtmlResponse:
    """The record's HTTP response as Scrapy hands it to a spider: body de-chunked and
    Content-Encoding decoded, those two headers gone."""
    http = record.http_headers
    headers: dict[str, list[str]] = {}
    for name, value in http.headers:
        if name.lower() not in ("content-encoding", "transfer-encoding"):
            headers.setdefault(name, []).append(value)
    body = payload(record)
    return HtmlResponse(url=url, status=int(http.get_statuscode()), headers=headers, body=body)


def payload(record: ArcWarcRecord) -> bytes:
    """The HTTP body of a response record, de-chunked and decoded; raises ValueError
    (or zlib.error) when it cannot be: warcio's own content_stream would silently
    hand back the still-encoded bytes."""
    http = record.http_headers
    stream = record.raw_stream
    if "chunked" in (http.get_header("Transfer-Encoding") or "").lower():
        stream = ChunkedDataReader(stream, raise_exceptions=True)
    body: bytes = stream.read()
    codings = [c.strip().lower() for c in (http.get_header("Content-Encoding") or "").split(",")]
    for coding in reversed([c for c in codings if c and c != "identity"]):
        body = decoded(body, coding)
    return body


def decoded(body: bytes, coding: str) -> bytes:
    """The body with one Content-Encoding undone."""
    if coding in ("gzip", "x-gzip"):
        return gzip.decompress(body)
    if coding == "deflate":  # zlib-wrapped, or raw deflate as some servers send it
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    if coding == "br":
        import brotli  # Scrapy decodes br only when brotli is installed: so do we

        return bytes(brotli.decompress(body))
    raise ValueError(f"unknown Content-Encoding {coding!r}")


def _store(
    article: Article,
    source: Source | None,
    archive: Archive,
    hosts: Collection[str],
    report: ImportReport,
) -> None:
    """Give the article its source, as the spider does, and run the pipeline chain."""
    first = article.pages[0].url
    if article.published_at is None:  # what a crawl never reads as an article
        report.skipped["no publication date (a listing or section page)"] += 1
        return
    if source is None:
        if not news_like(article):
            report.skipped["not news-like (--any-site)"] += 1
            return
        article.source = (urlsplit(first).hostname or "").removeprefix("www.")
        article.fetched_url = first
    else:
        article.source = source.id
        article.fetched_url = canonical_url(first, source.config_domains)
    report.articles += 1
    try:
        result = process(article, archive, hosts=hosts)
    except InvalidArticle as exc:
        report.skipped[f"invalid: {exc.reason.replace('_', ' ')}"] += 1
        return
    except DuplicateArticle:
        report.outcomes["duplicate"] += 1
        return
    report.outcomes[result.outcome] += 1


def news_like(article: Article) -> bool:
    """Whether a page of a site no source owns reads as a news article (NEWS_BODY_CHARS)."""
    body = (article.body or "").strip()
    return bool(
        article.title and article.published_at and len(body) >= max(NEWS_BODY_CHARS, MIN_BODY_CHARS)
    )


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended (its worker processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _reason(exc: BaseException) -> str:
    """An exception as a short one-line reason."""
    text = " ".join(str(exc).split())[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _Ticker:
    """Calls `progress` at most every PROGRESS_EVERY seconds."""

    def __init__(self, report: ImportReport, progress: Progress | None) -> None:
        self.report = report
        self.progress = progress
        self.last = time.monotonic()
        self.started = self.last

    def tick(self, phase: str) -> None:
        now = time.monotonic()
        if self.progress is None or now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        self.report.seconds = now - self.started
        self.progress(self.report, phase)
