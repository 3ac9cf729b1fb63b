"""The outlets the replica imitates: sources, hosts, sections, and how their articles vary.

One `Outlet` per source of docs/replica-contract.md. detikJogja and detikJateng
share the host www.detik.com and differ by their path prefix. Tribun Jateng
(`TRIBUN_JATENG`) is served only by a site built with `syndication=True`.
"""

from __future__ import annotations

from dataclasses import dataclass

DIY = ("Sleman", "Bantul", "Yogyakarta", "Kulon Progo", "Gunungkidul")
CENTRAL_JAVA = (
    "Semarang",
    "Solo",
    "Klaten",
    "Magelang",
    "Wonosobo",
    "Boyolali",
    "Temanggung",
    "Purworejo",
)


@dataclass(frozen=True)
class Section:
    """A section: its URL/truth slug, the label pages show, and where its news happens."""

    slug: str
    label: str
    places: tuple[str, ...]
    weight: float = 1.0
    channel: str | None = None  # only topics of this channel (detik's wisata channel)


@dataclass(frozen=True)
class Outlet:
    source: str
    name: str
    host: str
    share: float  # of the generated articles
    sections: tuple[Section, ...]
    max_pages: int  # 1: never multi-page
    prefix: str = ""  # detik: "jogja" or "jateng"

    def section(self, slug: str) -> Section | None:
        return next((s for s in self.sections if s.slug == slug), None)


def _one_place(label: str, place: str) -> Section:
    return Section(label.lower(), label, (place,))


TRIBUN = Outlet(
    source="tribunjogja",
    name="Tribun Jogja",
    host="jogja.tribunnews.com",
    share=0.35,
    sections=(
        _one_place("Magelang", "Magelang"),
        _one_place("Sleman", "Sleman"),
        _one_place("Bantul", "Bantul"),
        _one_place("Kulonprogo", "Kulon Progo"),
        _one_place("Gunungkidul", "Gunungkidul"),
    ),
    max_pages=3,
)

KOMPAS = Outlet(
    source="kompasregional",
    name="Kompas Regional",
    host="regional.kompas.com",
    share=0.20,
    sections=(
        Section("yogyakarta", "Yogyakarta", DIY),
        Section("jawa-tengah", "Jawa Tengah", CENTRAL_JAVA),
    ),
    max_pages=3,
)

DETIK_JOGJA = Outlet(
    source="detikjogja",
    name="detikJogja",
    host="www.detik.com",
    share=0.15,
    sections=(
        Section("berita", "Berita", DIY, 0.7, "berita"),
        Section("wisata", "Wisata", DIY, 0.3, "wisata"),
    ),
    max_pages=3,
    prefix="jogja",
)

DETIK_JATENG = Outlet(
    source="detikjateng",
    name="detikJateng",
    host="www.detik.com",
    share=0.10,
    sections=(
        Section("berita", "Berita", CENTRAL_JAVA, 0.7, "berita"),
        Section("wisata", "Wisata", CENTRAL_JAVA, 0.3, "wisata"),
    ),
    max_pages=3,
    prefix="jateng",
)

HARIAN_JOGJA = Outlet(
    source="harianjogja",
    name="Harian Jogja",
    host="jogjapolitan.harianjogja.com",
    share=0.20,
    sections=(
        _one_place("Sleman", "Sleman"),
        _one_place("Bantul", "Bantul"),
        _one_place("Jogja", "Jogja"),
        _one_place("Kulonprogo", "Kulon Progo"),
        _one_place("Gunungkidul", "Gunungkidul"),
    ),
    max_pages=1,
)

# Tribun Jateng exists only on a site built with syndication (docs/replica-contract.md,
# "Syndication"): its articles are drawn apart, so it is not among OUTLETS (whose
# shares split the generated articles) and the default site stays as it was.
TRIBUN_JATENG = Outlet(
    source="tribunjateng",
    name="Tribun Jateng",
    host="jateng.tribunnews.com",
    share=0.05,
    sections=(
        _one_place("Semarang", "Semarang"),
        _one_place("Solo", "Solo"),
        _one_place("Magelang", "Magelang"),
    ),
    max_pages=3,
)

OUTLETS: dict[str, Outlet] = {
    outlet.source: outlet for outlet in (TRIBUN, KOMPAS, DETIK_JOGJA, DETIK_JATENG, HARIAN_JOGJA)
}
ALL_OUTLETS: dict[str, Outlet] = {**OUTLETS, TRIBUN_JATENG.source: TRIBUN_JATENG}
TRIBUN_SOURCES = (TRIBUN.source, TRIBUN_JATENG.source)  # one network, one page markup
KOMPAS_INDEX_HOST = "indeks.kompas.com"
HOSTS = (TRIBUN.host, KOMPAS.host, KOMPAS_INDEX_HOST, DETIK_JOGJA.host, HARIAN_JOGJA.host)
SYNDICATION_HOSTS = (*HOSTS, TRIBUN_JATENG.host)  # a site built with syndication
