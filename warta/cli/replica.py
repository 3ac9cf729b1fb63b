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
) -> None:
    """Serve the offline replica of the outlets (in the foreground)."""
    from replica.faults import FaultSpecError, parse_faults
    from replica.server import serve_forever

    try:
        faults = parse_faults(fault_specs)
    except FaultSpecError as exc:
        raise fail(str(exc)) from None
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
        )
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror}") from None
