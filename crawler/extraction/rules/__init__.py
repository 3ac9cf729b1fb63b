"""The outlet rule registry: every outlet's rules, found by themselves.

Each module in this package (but `base`) is one outlet and defines `OUTLET`, an
`OutletRules`: its layout versions newest first, its URL shapes and the names it
signs with. The registry imports every such module, so adding an outlet is adding
its module (docs/adding-an-outlet.md); to follow a layout change, put the new
version first in the outlet's `versions` (keep the old one for archived pages).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from urllib.parse import urlsplit

from crawler.extraction.rules.base import OutletRule, OutletRules


def _outlet_of(module: ModuleType) -> OutletRules:
    outlet = getattr(module, "OUTLET", None)
    if not isinstance(outlet, OutletRules):
        raise TypeError(f"{module.__name__}: an outlet rule module defines OUTLET = OutletRules(…)")
    return outlet


def _discover() -> dict[str, OutletRules]:
    """name → outlet, for every rule module in this package, by module name.

    Their order hardly matters: no two outlets cover one host (checked here), and on
    a page no rule covers, where every rule's dateline is tried in this order, the
    generic datelines come first and take the openings two rules' patterns share
    ("Tribunjogja.com - ": body.GENERIC_DATELINES).
    """
    found: dict[str, OutletRules] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if info.name == "base" or info.name.startswith("_"):
            continue
        outlet = _outlet_of(importlib.import_module(f"{__name__}.{info.name}"))
        if outlet.name in found:
            raise ValueError(f"two rule modules define outlet {outlet.name!r}")
        # One host, one outlet: rules_for and canonical_url pick an outlet by host.
        for other in found.values():
            shared = [h for h in outlet.hosts if other.covers(h)]
            shared += [h for h in other.hosts if outlet.covers(h)]
            if shared:
                raise ValueError(
                    f"outlets {other.name!r} and {outlet.name!r} both cover {shared[0]}"
                )
        found[outlet.name] = outlet
    return found


OUTLETS: dict[str, OutletRules] = _discover()
RULES: tuple[OutletRule, ...] = tuple(
    rule for outlet in OUTLETS.values() for rule in outlet.versions
)


def outlet_for_host(host: str) -> OutletRules | None:
    """The outlet whose rules cover `host` (subdomains too), or None."""
    return next((outlet for outlet in OUTLETS.values() if outlet.covers(host)), None)


def rules_for(url: str) -> list[OutletRule]:
    """Every rule version for the URL's host, newest first (empty for unknown hosts);
    versions with a `layout` marker before those without (they are the more specific)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return []
    covering = [rule for rule in RULES if rule.covers(host)]
    return [rule for rule in covering if rule.layout] + [r for r in covering if not r.layout]


def rule_for(url: str) -> OutletRule | None:
    """The newest rule for the URL's host, or None when no outlet rule covers it."""
    rules = rules_for(url)
    return rules[0] if rules else None


__all__ = [
    "OUTLETS",
    "OutletRule",
    "OutletRules",
    "RULES",
    "outlet_for_host",
    "rule_for",
    "rules_for",
]
