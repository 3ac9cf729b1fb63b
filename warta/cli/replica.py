"""`warta replica`: serve the offline replica of the outlets in the foreground."""

from __future__ import annotations

import click

from warta.cli.options import fail


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8800, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--articles", type=click.IntRange(min=0), default=300, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--night",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Serve the site as it is N nights later.",
)
@click.option(
    "--new-per-night",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Articles published on each later day.",
)
@click.option(
    "--edits-per-night",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Articles the outlets revise each later night.",
)
@click.option(
    "--syndication/--no-syndication",
    default=True,
    show_default=True,
    help="Also serve Tribun Jateng, with syndicated and wire copies.",
)
@click.option(
    "--faults",
    "fault_specs",
    multiple=True,
    metavar="KIND:PATTERN[:OPTIONS]",
    help="Misbehave at matching URLs, e.g. '5xx:*/read/*:times=2' (repeatable; "
    "docs/replica-contract.md, Faults).",
)
@click.option(
    "--outlets",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Add N generated regional outlets (Tribun and detik desks; docs/replica-contract.md).",
)
@click.option(
    "--outlet-articles",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Articles of each generated outlet.",
)
@click.option(
    "--write-sources",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write a sources config covering the configured and the generated outlets to FILE "
    "(crawl them with --sources FILE).",
)
@click.option(
    "--request-log",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Append every request to FILE as JSON lines (time, host, target, User-Agent).",
)
def replica(
    port: int,
    host: str,
    articles: int,
    seed: int,
    night: int,
    new_per_night: int,
    edits_per_night: int,
    syndication: bool,
    fault_specs: tuple[str, ...],
    outlets: int,
    outlet_articles: int,
    write_sources: str | None,
    request_log: str | None,
) -> None:
    """Serve the offline replica of the outlets (in the foreground)."""
    from crawler.sources import ConfigError
    from replica.faults import FaultSpecError, parse_faults
    from replica.outlets.regional import MAX_OUTLETS
    from replica.server import serve_forever

    try:
        faults = parse_faults(fault_specs)
    except FaultSpecError as exc:
        raise fail(str(exc)) from None
    if outlets > MAX_OUTLETS:
        raise fail(f"--outlets: at most {MAX_OUTLETS} (the regional desks the replica knows)")
    try:
        serve_forever(
            port=port,
            articles=articles,
            seed=seed,
            host=host,
            night=night,
            new_per_night=new_per_night,
            edits_per_night=edits_per_night,
            syndication=syndication,
            faults=faults,
            outlets=outlets,
            outlet_articles=outlet_articles,
            request_log=request_log,
            write_sources=write_sources,
        )
    except ConfigError as exc:
        raise fail(f"--write-sources: {exc}") from None
    except OSError as exc:
        where = getattr(exc, "filename", None)
        if where is not None:  # the request log
            raise fail(f"--request-log: cannot open {where}: {exc.strerror}") from None
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror}") from None
