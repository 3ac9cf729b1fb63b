"""The outlet rule registry: every outlet's rules, newest version first.

To support a new outlet, add a module here with a `RULES` tuple and list it in
`_OUTLETS`; to follow a layout change, put the new version first in the
outlet's `RULES` (keep the old one for archived pages).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.extraction.rules import detik, harianjogja, kompas, tribun
from crawler.extraction.rules.base import OutletRule

_OUTLETS = (tribun, kompas, detik, harianjogja)
RULES: tuple[OutletRule, ...] = tuple(rule for module in _OUTLETS for rule in module.RULES)


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


__all__ = ["OutletRule", "RULES", "rule_for", "rules_for"]
