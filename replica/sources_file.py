"""`warta replica --write-sources FILE`: a sources config for a site with generated outlets.

The file is the configured sources config (`crawler.sources.default_sources_path()`:
`WARTA_SOURCES`, ./sources.toml or the repository's), word for word, followed by
the `[sources.<id>]` tables of the site's generated regional outlets
(replica/outlets/regional.py). It is checked with `crawler.sources.load_sources`
before it replaces FILE, so a crawl given `--sources FILE` reads every outlet.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from crawler.sources import ConfigError, default_sources_path, load_sources
from replica.model import Site
from replica.outlets.regional import network, sources_toml

__all__ = ["sources_text", "write_sources"]


def sources_text(site: Site, base: str | Path | None = None) -> str:
    """The configured sources config plus the site's generated outlets' tables."""
    base_path = Path(base) if base is not None else default_sources_path()
    try:
        configured = base_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{base_path}: cannot read sources config: {exc.strerror}") from None
    count = int(site.parameters.get("outlets", 0))
    generated = network(site.seed, count)
    if not generated.outlets:
        return configured
    return (
        configured.rstrip("\n")
        + f"\n\n# --- {count} generated regional outlets of the replica (seed {site.seed}): "
        "`warta replica --outlets` ---\n\n" + sources_toml(generated)
    )


def write_sources(path: str | Path, site: Site, base: str | Path | None = None) -> None:
    """Write `sources_text(site, base)` to `path`, once it loads as a sources config.

    Raises ConfigError (one line) when it would not load or cannot be written;
    `path` is then left as it was.
    """
    target = Path(path)
    text = sources_text(site, base)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=".sources-", suffix=".toml", dir=target.parent or Path(".")
        )
    except OSError as exc:
        raise ConfigError(f"{target}: cannot write sources config: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        load_sources(temporary)  # ConfigError if it would not load
        os.replace(temporary, target)
    except ConfigError as exc:
        raise ConfigError(str(exc).replace(temporary, str(target))) from None
    except OSError as exc:
        raise ConfigError(f"{target}: cannot write sources config: {exc.strerror}") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
