"""The registry of the outlets the replica imitates: one module per outlet, one line each.

Each module of this package (tribun.py, kompas.py, detik.py, harianjogja.py)
holds all the replica knows of one outlet (or one network of desks sharing a
markup): its `Outlet` data, URL shapes and the data the generator reads to
write its articles, the handlers of its hosts, robots.txt and page renderers;
it ends with a `GROUP`. Adding an outlet is one module and one line in `GROUPS`.

`GROUPS` is ordered: the generator draws staff and splits articles over the
outlets in this order, so reordering it changes every generated site.
"""

from __future__ import annotations

from replica.outlets import detik, harianjogja, kompas, tribun
from replica.outlets.base import Host, Outlet, OutletGroup

GROUPS: tuple[OutletGroup, ...] = (tribun.GROUP, kompas.GROUP, detik.GROUP, harianjogja.GROUP)

ALL_OUTLETS: dict[str, Outlet] = {o.source: o for group in GROUPS for o in group.outlets}
# The outlets of every site; the syndication-only ones (Tribun Jateng) are drawn apart
# (replica/syndication.py), so they are not among those whose shares split the articles.
OUTLETS: dict[str, Outlet] = {s: o for s, o in ALL_OUTLETS.items() if not o.syndication_only}
SERVED_HOSTS: dict[str, Host] = {host.name: host for group in GROUPS for host in group.hosts}
HOSTS: tuple[str, ...] = tuple(h.name for h in SERVED_HOSTS.values() if not h.syndication_only)
SYNDICATION_HOSTS: tuple[str, ...] = HOSTS + tuple(
    h.name for h in SERVED_HOSTS.values() if h.syndication_only
)

__all__ = ["ALL_OUTLETS", "GROUPS", "HOSTS", "OUTLETS", "SERVED_HOSTS", "SYNDICATION_HOSTS"]
