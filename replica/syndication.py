"""Syndicated copies, edited wire copies and look-alike traps (`build_site(syndication=True)`).

docs/replica-contract.md, "Syndication". Real outlets publish one story more
than once: the Tribun network puts a Tribun Jogja story on Tribun Jateng 10–180
minutes later with its own boilerplate and small edits; a detik story comes
back hours later, edited, on Kompas or Harian Jogja. Different stories, on
the other hand, can share a long passage (a press release, an official's long
statement) without being copies. `syndicate` adds all three to a site whose
articles are already written, from its own `Random(f"{seed}:syndication")`,
so the articles already there stay exactly as they were.

Truth: `Syndication.clusters` (groups of URLs, one story each, earliest first)
and `Syndication.traps` (pairs that share a passage but are different stories).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from random import Random

from replica.model import WIB, Insert, Rendering, TrueArticle
from replica.outlets.base import Outlet
from replica.outlets.detik import DETIK_JATENG, DETIK_JOGJA
from replica.outlets.harianjogja import HARIAN_JOGJA
from replica.outlets.kompas import KOMPAS
from replica.outlets.tribun import TRIBUN, TRIBUN_JATENG
from replica.seed import SEED_URL
from replica.text import (
    LEFT_QUOTE,
    RIGHT_QUOTE,
    NewsWriter,
    between,
    long_day,
    make_context,
    pick,
    slugify,
    vocabulary,
)
from replica.writer import FIRST_MINUTE, LAST_MINUTE, Plan, SiteWriter, description

__all__ = ["Syndication", "shingles", "similarity", "syndicate"]

JATENG_SHARE = 0.05  # Tribun Jateng's own articles, of the N generated ones
SYNDICATED_SHARE = 0.10  # of Tribun Jogja's generated articles, copied to Tribun Jateng
WIRE_SHARE = 0.05  # of detik's generated articles, edited and republished elsewhere
TRAP_EVERY = 100  # one trap pair per this many generated articles (at least one)
HARIAN_ID_SEQUENCE = HARIAN_JOGJA.ids.sequence or HARIAN_JOGJA.source  # its ids grow with time
TEAM = "Tim Tribun Jateng"  # the desk credit some copies carry instead of a reporter
MIN_WIRE_SIMILARITY = 0.72  # 5-word-shingle Jaccard of an edited wire copy's body

# Whole-word swaps a copy editor makes: in titles (title case) and in bodies.
TITLE_SWAPS = {
    "Warga": "Masyarakat", "Capai": "Mencapai", "Naik": "Meningkat", "Turun": "Menurun",
    "Jelang": "Menjelang", "Siapkan": "Persiapkan", "Tangkap": "Ringkus",
    "Keluhkan": "Mengeluhkan", "Terapkan": "Menerapkan", "Gelar": "Adakan", "Jadi": "Menjadi",
    "Kini": "Sekarang", "Bahas": "Membahas", "Kelola": "Mengelola", "Libatkan": "Melibatkan",
    "Dijual": "Dipasarkan", "Pencuri": "Maling", "Polisi": "Aparat", "Beraksi": "Berulah",
    "Rusak": "Rusak Parah", "Longsor": "Tanah Longsor", "Pasar": "Pasar Tradisional",
}  # fmt: skip
WORD_SWAPS = {
    "sudah": "telah", "akan": "bakal", "tidak": "tak", "hingga": "sampai", "setiap": "tiap",
    "warga": "masyarakat", "sekitar": "kurang lebih", "kata": "ujar", "ujar": "kata",
    "jelas": "terang", "terang": "jelas", "tutur": "ungkap", "ungkap": "tutur", "saat": "ketika",
    "melalui": "lewat", "sejak": "semenjak", "menjadi": "jadi",
}  # fmt: skip
SWAPPABLE = re.compile(r"\b(" + "|".join(WORD_SWAPS) + r")\b")
SENTENCE_BREAK = re.compile(r"(?<=\w\w\.) (?=[A-Z])")
HARIAN_SECTIONS = {  # a DIY story's place -> Harian Jogja section
    "Sleman": "sleman",
    "Bantul": "bantul",
    "Yogyakarta": "jogja",
    "Jogja": "jogja",
    "Kulon Progo": "kulonprogo",
    "Gunungkidul": "gunungkidul",
}

# Long passages two different stories may share word for word (traps): a press
# release paragraph or an official's long statement, each well over 50 words.
STATEMENTS = (
    "Dalam keterangan resmi yang diterima wartawan pada {day}, Pemerintah Daerah DIY "
    "menyampaikan bahwa seluruh organisasi perangkat daerah diminta meningkatkan kewaspadaan "
    "menghadapi puncak musim hujan, memperbarui data warga rentan di setiap kalurahan, "
    "menyiagakan personel dan peralatan di posko terpadu, serta memastikan jalur komunikasi "
    "dengan relawan dan forum pengurangan risiko bencana tetap aktif selama dua puluh empat jam "
    "hingga status siaga dicabut.",
    "Melalui siaran pers tertanggal {day}, Kepolisian Daerah DIY mengimbau masyarakat agar "
    "tidak mudah percaya pada pesan berantai yang mengatasnamakan petugas, tidak memberikan "
    "kode verifikasi maupun data pribadi kepada siapa pun, segera melapor melalui layanan "
    "pengaduan 110 apabila menemukan kejanggalan, dan memeriksa kebenaran setiap informasi "
    "melalui kanal resmi kepolisian sebelum menyebarkannya kembali di media sosial.",
    "Dinas Kesehatan dalam rilis yang dibagikan kepada media pada {day} menegaskan bahwa "
    "gerakan pemberantasan sarang nyamuk harus dilakukan serentak oleh seluruh keluarga "
    "setidaknya sekali dalam sepekan, mulai dari menguras dan menutup tempat penampungan air, "
    "mendaur ulang barang bekas, hingga memantau jentik di lingkungan sekolah, tempat ibadah, "
    "dan fasilitas umum lain yang kerap luput dari perhatian warga.",
    "Dalam pengumuman resmi yang dirilis pada {day}, PLN Unit Induk Distribusi Jawa Tengah dan "
    "DIY menyampaikan bahwa pemeliharaan jaringan dilakukan secara bertahap untuk menjaga "
    "keandalan pasokan listrik menjelang akhir tahun, sehingga pelanggan di sejumlah wilayah "
    "diminta menyiapkan penerangan cadangan, mematikan peralatan elektronik yang tidak "
    "diperlukan, dan memantau jadwal pemadaman melalui aplikasi resmi perusahaan.",
)
QUOTES = (
    f"{LEFT_QUOTE}Kami minta seluruh kepala daerah tidak menunggu sampai ada korban. Data "
    "kerentanan harus diperbarui, anggaran belanja tak terduga disiapkan sejak awal, dan setiap "
    "laporan warga ditindaklanjuti paling lambat dalam satu kali dua puluh empat jam. Kalau ada "
    "kendala di lapangan, sampaikan langsung kepada kami supaya bisa segera dicarikan jalan "
    f"keluar bersama,{RIGHT_QUOTE} kata Sekretaris Daerah DIY, Wahyu Prasetyo Hadi, {{day}}.",
    f"{LEFT_QUOTE}Inflasi daerah masih terkendali, tetapi kami tidak boleh lengah. Operasi pasar "
    "akan terus digelar di titik-titik yang harganya naik paling tinggi, distribusi dari sentra "
    "produksi kami pantau setiap pekan, dan pedagang yang menahan stok akan kami datangi "
    "bersama satgas pangan agar harga kembali wajar bagi masyarakat,"
    f"{RIGHT_QUOTE} ujar Kepala Biro Perekonomian Setda DIY, Retno Kusumawardani, {{day}}.",
    f"{LEFT_QUOTE}Pendidikan karakter tidak cukup diajarkan di ruang kelas. Sekolah, orang tua, "
    "dan lingkungan harus berjalan bersama, mulai dari membiasakan anak datang tepat waktu, "
    "menjaga kebersihan, sampai berani menolak perundungan. Kami akan mengevaluasi program ini "
    "setiap semester dan melibatkan komite sekolah dalam setiap keputusan yang diambil,"
    f"{RIGHT_QUOTE} tutur Kepala Dinas Pendidikan, Pemuda, dan Olahraga DIY, Bambang "
    "Wisnu Aji, {day}.",
)


@dataclass
class Syndication:
    articles: list[TrueArticle]  # to append to the site, in this order
    clusters: list[list[str]]  # copies of one story, earliest first (size >= 2)
    traps: list[tuple[str, str]]  # different stories that share a long passage


def shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    """The set of `size`-word runs of `text` (lowercase, split on whitespace)."""
    words = text.lower().split()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def similarity(first: str, second: str, size: int = 5) -> float:
    """Jaccard similarity of two texts' `size`-word shingles."""
    a, b = shingles(first, size), shingles(second, size)
    return len(a & b) / len(a | b) if a or b else 1.0


def syndicate(
    site_articles: list[TrueArticle],
    writer: SiteWriter,
    seed: int,
    first_day: date,
    days: int,
    requested: int,
    counters: dict[str, int],
) -> Syndication:
    """Tribun Jateng's articles, the copies and the traps for a site of `requested` articles.

    `site_articles` (the default site's) are read, never changed; `writer` keeps
    titles and slugs unique and writes the new text; `counters` (Harian Jogja's
    last id) moves on when a new Harian Jogja article is the newest.
    """
    rng = Random(f"{seed}:syndication")
    writer.reseed(rng, writer.now)
    writer.staff[TRIBUN_JATENG.source] = writer.hire(12)
    writer.editors[TRIBUN_JATENG.source] = writer.hire(5)
    builder = _Builder(rng, writer, site_articles, counters)
    new: list[TrueArticle] = []
    for plan in builder.plans(TRIBUN_JATENG, round(requested * JATENG_SHARE), first_day, days):
        new.append(writer.article(plan))
    clusters = []
    for original in builder.tribun_originals():
        copy = builder.tribun_copy(original)
        new.append(copy)
        clusters.append([original.url, copy.url])
    for original, outlets in builder.wire_originals():
        copies = [builder.wire_copy(original, outlet) for outlet in outlets]
        new.extend(copies)
        copies.sort(key=lambda article: article.published_at)
        clusters.append([original.url] + [copy.url for copy in copies])
    traps = []
    pairs = min(max(1, round(requested / TRAP_EVERY)), len(STATEMENTS + QUOTES)) if requested else 0
    for index in range(pairs):
        first, second = builder.trap_pair(index, first_day, days)
        new += [first, second]
        traps.append((first.url, second.url))
    return Syndication(new, clusters, traps)


class _Builder:
    def __init__(
        self,
        rng: Random,
        writer: SiteWriter,
        site_articles: list[TrueArticle],
        counters: dict[str, int],
    ) -> None:
        self.rng = rng
        self.writer = writer
        self.articles = site_articles
        self.counters = counters
        self.urls = {article.url for article in site_articles}
        self.harian = sorted(
            (a.published_at, a.rendering.number)
            for a in site_articles
            if a.source == HARIAN_JOGJA.source
        )

    # --- choosing ------------------------------------------------------------------

    def _generated(self, keep: Callable[[TrueArticle], bool]) -> list[TrueArticle]:
        return [a for a in self.articles if a.url != SEED_URL and keep(a)]

    def tribun_originals(self) -> list[TrueArticle]:
        """~10 % of Tribun Jogja's articles (Magelang ones likelier: Central Java news)."""
        tribun = self._generated(lambda a: a.source == TRIBUN.source)
        count = round(len(tribun) * SYNDICATED_SHARE)
        fitting = [a for a in tribun if a.published_at.hour < 20]  # the copy, same day
        ranked = sorted(
            fitting, key=lambda a: self.rng.random() * (3 if a.section == "magelang" else 1)
        )
        return sorted(ranked[-count:] if count else [], key=lambda a: a.published_at)

    def wire_originals(self) -> list[tuple[TrueArticle, list[Outlet]]]:
        """~5 % of detik's articles, each with the outlets that republish it."""
        detik = self._generated(lambda a: a.source in (DETIK_JOGJA.source, DETIK_JATENG.source))
        count = round(len(detik) * WIRE_SHARE)
        fitting = [a for a in detik if a.published_at.hour < 17]
        chosen = sorted(self.rng.sample(fitting, min(count, len(fitting))), key=_by_time)
        plans = []
        for index, original in enumerate(chosen):
            diy = original.source == DETIK_JOGJA.source and original.location in HARIAN_SECTIONS
            if diy and index % 3 == 0:
                outlets = [KOMPAS, HARIAN_JOGJA]  # one story in three of DIY: on both
            elif diy and self.rng.random() < 0.5:
                outlets = [HARIAN_JOGJA]
            else:
                outlets = [KOMPAS]
            plans.append((original, outlets))
        return plans

    def plans(self, outlet: Outlet, count: int, first_day: date, days: int) -> list[Plan]:
        topics = list(vocabulary().topics.values())
        plans = []
        for _ in range(count):
            section = pick(self.rng, outlet.sections)
            fitting = [t.name for t in topics if section.channel in (None, t.channel)]
            day = first_day + timedelta(days=between(self.rng, 0, days - 1))
            published = _at(day, between(self.rng, FIRST_MINUTE, LAST_MINUTE))
            place = pick(self.rng, section.places)
            plans.append(Plan(outlet, section, place, pick(self.rng, fitting), published))
            plans[-1].number = self._number(outlet, published)
        return sorted(plans, key=lambda plan: plan.published)

    def _number(self, outlet: Outlet, when: datetime) -> int:
        if outlet is HARIAN_JOGJA:
            number = self._harian_number(when)
            if number is not None:
                return number
            raise _NoRoom
        return between(self.rng, outlet.ids.low, outlet.ids.high)

    def _harian_number(self, when: datetime) -> int | None:
        """A Harian Jogja id between its neighbours in time (ids grow with time)."""
        at = bisect.bisect_right(self.harian, (when, float("inf")))
        low = self.harian[at - 1][1] if at else HARIAN_JOGJA.ids.start
        if at == len(self.harian):
            ids, counter = HARIAN_JOGJA.ids, HARIAN_ID_SEQUENCE
            number = max(low, self.counters[counter]) + between(self.rng, ids.low, ids.high)
            self.counters[counter] = number
        else:
            high = self.harian[at][1]
            if high - low < 2:
                return None
            number = between(self.rng, low + 1, high - 1)
        self.harian.insert(at, (when, number))
        return number

    # --- copies ----------------------------------------------------------------------

    def tribun_copy(self, original: TrueArticle) -> TrueArticle:
        """The story on Tribun Jateng: new URL, Jateng boilerplate, 0–2 sentence edits."""
        rng, writer = self.rng, self.writer
        when = original.published_at + timedelta(minutes=between(rng, 10, 180))
        title = original.title
        if rng.random() < 0.5:
            title = _reword_title(rng, title, original.location)
        url = f"https://{TRIBUN_JATENG.host}/{when:%Y/%m/%d}/{slugify(title)}"
        if url in self.urls:
            title = original.title
            url = f"https://{TRIBUN_JATENG.host}/{when:%Y/%m/%d}/{slugify(title)}"
        self.urls.add(url)
        body, kinds = original.paragraphs, list(original.rendering.kinds)
        for _ in range(pick(rng, (0, 1, 1, 2, 2))):
            self._sentence_edit(original, when, body, kinds)
        team = rng.random() < 0.3
        editor = pick(rng, writer.editors[TRIBUN_JATENG.source])
        section = "magelang" if original.location == "Magelang" else pick(rng, ("semarang", "solo"))
        initials = editor.initials if team else original.rendering.initials
        return TrueArticle(
            source=TRIBUN_JATENG.source,
            url=url,
            section=section,
            title=title,
            description=original.description,
            summary=original.summary,
            authors=[] if team else list(original.authors),
            editors=[editor.name],
            published_at=when,
            modified_at=when,
            location=original.location,
            tags=list(original.tags),
            body="\n\n".join(body),
            images=[dict(image) for image in original.images],
            language=original.language,
            pages=original.pages,
            rendering=Rendering(
                number=between(rng, TRIBUN_JATENG.ids.low, TRIBUN_JATENG.ids.high),
                section_label=TRIBUN_JATENG.known_section(section).label,
                kinds=tuple(kinds),
                page_starts=_page_starts(len(kinds), original.pages),
                inserts=writer.inserts(TRIBUN_JATENG, kinds, len(original.images)),
                initials=initials,
                reporter_line=None if team else original.rendering.reporter_line,
                topic=original.rendering.topic,
                byline=TEAM if team else None,
            ),
        )

    def _sentence_edit(
        self, original: TrueArticle, when: datetime, body: list[str], kinds: list[str]
    ) -> None:
        """One sentence added, removed or reworded, in a plain paragraph (not the first)."""
        rng = self.rng
        plain = [
            i
            for i, (kind, text) in enumerate(zip(kinds, body, strict=True))
            if i > 0 and kind == "p" and LEFT_QUOTE not in text and RIGHT_QUOTE not in text
        ]
        if not plain:
            return
        choices = ["add", "remove", "reword"]
        rng.shuffle(choices)
        for choice in choices:
            if choice == "remove":
                long = [i for i in plain if len(SENTENCE_BREAK.split(body[i])) > 1]
                if long:
                    spot = pick(rng, long)
                    sentences = SENTENCE_BREAK.split(body[spot])
                    del sentences[between(rng, 0, len(sentences) - 1)]
                    body[spot] = " ".join(sentences)
                    return
            elif choice == "reword":
                if _swap_words(rng, body, 1, plain):
                    return
            else:
                sentence = self._new_sentence(original, when)
                if sentence is not None:
                    spot = pick(rng, plain)
                    body[spot] = f"{body[spot]} {sentence}"
                    return

    def _new_sentence(self, original: TrueArticle, when: datetime) -> str | None:
        paragraph = self._new_paragraph(original, when)
        return SENTENCE_BREAK.split(paragraph)[0] if paragraph else None

    def _new_paragraph(self, original: TrueArticle, when: datetime) -> str | None:
        topic = original.rendering.topic
        if topic is None or original.location is None:
            return None
        slots = make_context(self.rng, original.location, topic, when)
        return NewsWriter(self.rng, topic, slots, self.writer.paragraphs).detail()

    def wire_copy(self, original: TrueArticle, outlet: Outlet) -> TrueArticle:
        """The detik story, hours later on Kompas or Harian Jogja: retitled, edited."""
        rng, writer = self.rng, self.writer
        when = original.published_at + timedelta(minutes=between(rng, 60, 360))
        number = self._harian_number(when) if outlet is HARIAN_JOGJA else None
        if number is None:  # Kompas's, or no Harian Jogja id free between its neighbours
            outlet = KOMPAS
            number = between(rng, KOMPAS.ids.low, KOMPAS.ids.high)
        title = _reword_title(rng, original.title, original.location)
        body, kinds = self._edited_body(original, when)
        if outlet is KOMPAS:
            slug = "yogyakarta" if original.source == DETIK_JOGJA.source else "jawa-tengah"
        else:
            slug = HARIAN_SECTIONS[original.location or ""]
        section = outlet.known_section(slug)
        url = outlet.article_url(section, when, number, slugify(title))
        self.urls.add(url)
        author = pick(rng, writer.staff[outlet.source])
        editor = pick(rng, writer.editors[outlet.source])
        return TrueArticle(
            source=outlet.source,
            url=url,
            section=section.slug,
            title=title,
            description=description(None, body[0]),
            summary=None,
            authors=[author.name],
            editors=[editor.name],
            published_at=when,
            modified_at=when if outlet is KOMPAS else None,
            location=original.location,
            tags=list(original.tags),
            body="\n\n".join(body),
            images=[],
            language=original.language,
            pages=1,
            rendering=Rendering(
                number=number,
                section_label=section.label,
                kinds=tuple(kinds),
                page_starts=(0,),
                inserts=writer.inserts(outlet, kinds, 0),
                topic=original.rendering.topic,
            ),
        )

    def _edited_body(self, original: TrueArticle, when: datetime) -> tuple[list[str], list[str]]:
        """A paragraph dropped or added, 2–4 words changed; close to the original still."""
        rng = self.rng
        for attempt in range(4):
            body, kinds = original.paragraphs, list(original.rendering.kinds)
            if attempt < 3:  # then words only
                droppable = [
                    i
                    for i in range(1, len(body) - 1)
                    if kinds[i] == "p" and kinds[i - 1] == "p" and kinds[i + 1] == "p"
                ]
                if len(body) > 5 and droppable and rng.random() < 0.6:
                    spot = pick(rng, droppable)
                    del body[spot], kinds[spot]
                else:
                    extra = self._new_paragraph(original, when)
                    if extra is not None:
                        spot = between(rng, 1, len(body) - 1)
                        body.insert(spot, extra)
                        kinds.insert(spot, "p")
            _swap_words(rng, body, between(rng, 2, 4), range(len(body)))
            if similarity(original.body, "\n\n".join(body)) >= MIN_WIRE_SIMILARITY:
                break
        return body, kinds

    # --- traps ------------------------------------------------------------------------

    def trap_pair(self, index: int, first_day: date, days: int) -> tuple[TrueArticle, TrueArticle]:
        """Two different stories (topics, outlets) that print one long passage word for word."""
        rng = self.rng
        # a press release, an official's long quote, another press release …
        texts = STATEMENTS if index % 2 == 0 else QUOTES
        template = texts[(index // 2) % len(texts)]
        day = first_day + timedelta(days=between(rng, 0, days - 1))
        shared = template.format(day=long_day(day))
        pairs = ((TRIBUN, HARIAN_JOGJA), (KOMPAS, TRIBUN), (HARIAN_JOGJA, KOMPAS))
        outlets = pairs[index % len(pairs)]
        first = self._trap_article(outlets[0], day, shared, avoid=None)
        second = self._trap_article(outlets[1], day, shared, avoid=first.rendering.topic)
        return first, second

    def _trap_article(
        self, outlet: Outlet, day: date, shared: str, avoid: str | None
    ) -> TrueArticle:
        rng, writer = self.rng, self.writer
        topics = [t for t in vocabulary().topics.values() if t.name != avoid]
        for _ in range(40):
            section = pick(rng, outlet.sections)
            fitting = [t.name for t in topics if section.channel in (None, t.channel)]
            published = _at(day, between(rng, FIRST_MINUTE, LAST_MINUTE))
            plan = Plan(outlet, section, pick(rng, section.places), pick(rng, fitting), published)
            try:
                plan.number = self._number(outlet, published)
            except _NoRoom:
                continue
            article = writer.article(plan)
            if len(article.paragraphs) >= 6:
                self.urls.add(article.url)
                return _with_paragraph(article, rng, shared)
        raise RuntimeError("could not write a trap article")  # never seen


class _NoRoom(Exception):
    """No Harian Jogja id is free at that time."""


def _by_time(article: TrueArticle) -> tuple[datetime, str]:
    return (article.published_at, article.url)


def _at(day: date, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=WIB)


def _page_starts(paragraphs: int, pages: int) -> tuple[int, ...]:
    return tuple(round(page * paragraphs / pages) for page in range(pages))


def _reword_title(rng: Random, title: str, location: str | None) -> str:
    """The title as another desk writes it: a word swapped, or a place or tail added."""
    words = [word for word in TITLE_SWAPS if re.search(rf"\b{word}\b", title)]
    if words:
        word = pick(rng, words)
        return re.sub(rf"\b{word}\b", TITLE_SWAPS[word], title, count=1)
    if location and location not in title:
        return f"{title} di {location}"
    return f"{title}, Ini Faktanya"


def _swap_words(rng: Random, body: list[str], count: int, where: Iterable[int]) -> int:
    """Swap up to `count` words (WORD_SWAPS) in the paragraphs `where`; how many were."""
    found = [(i, m.start(), m.group(1)) for i in where for m in SWAPPABLE.finditer(body[i])]
    if not found:
        return 0
    chosen = rng.sample(found, min(count, len(found)))
    for i, start, word in sorted(chosen, key=lambda item: (item[0], -item[1])):
        body[i] = body[i][:start] + WORD_SWAPS[word] + body[i][start + len(word) :]
    return len(chosen)


def _with_paragraph(article: TrueArticle, rng: Random, text: str) -> TrueArticle:
    """The article with `text` as a new paragraph between two of its paragraphs."""
    body, kinds = article.paragraphs, list(article.rendering.kinds)
    spots = [i for i in range(2, len(body)) if kinds[i - 1] == "p" and kinds[i] == "p"]
    spot = pick(rng, spots) if spots else len(body) - 1
    body.insert(spot, text)
    kinds.insert(spot, "p")
    inserts = tuple(
        Insert(item.after + (item.after >= spot), item.kind, item.ref)
        for item in article.rendering.inserts
    )
    rendering = replace(
        article.rendering,
        kinds=tuple(kinds),
        inserts=inserts,
        page_starts=_page_starts(len(kinds), article.pages),
    )
    return replace(article, body="\n\n".join(body), rendering=rendering)
