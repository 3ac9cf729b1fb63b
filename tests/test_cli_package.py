"""The shape of the CLI package (warta/cli/): what keeps it thin and easy to change.

- No import cycles among the first-party packages the CLI sits on, function-level
  imports included.
- Each command module imports warta/cli/options.py and never the group.
- Every command has help text, loads under its own name, and the README's command
  list shows it.
- `warta --help` and `warta search` import neither Scrapy nor Datasette nor
  matplotlib (checked in a fresh process); `warta` and `python -m warta` both run.
- check_filters knows the sources of the config given with --sources.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from storage.archive import Archive
from tests.conftest import REPO
from tests.inprocess import warta_in_process
from tests.test_archive import row
from tests.test_sources_config import GOOD
from warta.cli import main
from warta.cli.group import COMMANDS

PACKAGES = ("crawler", "pipelines", "storage", "warta")
README = REPO / "README.md"
HEAVY = ("scrapy", "twisted", "datasette", "uvicorn", "matplotlib", "pyarrow", "apscheduler")


def module_files() -> dict[str, Path]:
    """Every first-party module of PACKAGES by dotted name (a package by its own name)."""
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported_modules(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The first-party modules a module imports anywhere in its text (functions too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:  # `from package import module` imports the module
                full = f"{base}.{alias.name}"
                targets.add(full if full in known else base)
    # the packages this module sits in: already being imported when it runs
    own = {name.rsplit(".", depth)[0] for depth in range(1, name.count(".") + 1)}
    resolved = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            resolved.add(target)
        # importing a.b.c runs a/__init__.py and a/b/__init__.py first
        parent = target.rpartition(".")[0]
        while parent:
            if parent in known and parent not in own and parent != name:
                resolved.add(parent)
            parent = parent.rpartition(".")[0]
    return resolved


def import_graph() -> dict[str, set[str]]:
    known = module_files()
    return {name: imported_modules(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for neighbour in graph.get(node, ()):
            if neighbour not in index:
                visit(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_sees_a_function_level_cycle(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    web = tmp_path / "web.py"
    web.write_text("def serve():\n    from . import plugin\n", encoding="utf-8")
    plugin = tmp_path / "plugin.py"
    plugin.write_text("from pkg.web import DATABASE\n", encoding="utf-8")
    known = {"pkg.web": web, "pkg.plugin": plugin}
    graph = {name: imported_modules(name, path, known) for name, path in known.items()}
    assert cycles(graph) == [["pkg.plugin", "pkg.web"]]


def test_the_cycle_finder_sees_a_cycle_through_a_package_init(tmp_path):
    """Importing storage.warc runs storage/__init__.py first: a cycle through it counts
    (crawler.items → storage.warc, storage/__init__ → storage.archive → crawler.items)."""
    texts = {
        "storage": "from storage.archive import Archive\n",
        "storage.archive": "from crawler.items import Article\n",
        "storage.warc": "import os\n",
        "crawler.items": "from storage.warc import WarcPointer\n",
    }
    known = {}
    for name, text in texts.items():
        path = tmp_path / (name.replace(".", "_") + ("__init__.py" if name == "storage" else ".py"))
        path.write_text(text, encoding="utf-8")
        known[name] = path
    graph = {name: imported_modules(name, path, known) for name, path in known.items()}
    assert cycles(graph) == [["crawler.items", "storage", "storage.archive"]]


def test_no_import_cycles():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_modules_import_options_and_never_the_group(name):
    module = COMMANDS[name].partition(":")[0]
    imported = import_graph()[module]
    assert "warta.cli.options" in imported
    assert not imported & {"warta.cli", "warta.cli.group"}, imported


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_loads_under_its_name_and_has_help(name):
    command = main.get_command(click.Context(main), name)
    assert isinstance(command, click.Command)
    assert command.name == name
    assert command.help and len(command.help.split()) >= 4, name
    result = warta_in_process(name, "--help")
    assert result.returncode == 0 and f"Usage: warta {name}" in result.stdout


def readme_command_list() -> str:
    """The README's list of commands: the first ```sh block of "Using it"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Using it", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_the_readme_lists_every_command():
    listed = readme_command_list()
    missing = [
        name
        for name in main.list_commands(click.Context(main))
        if not re.search(rf"^warta {re.escape(name)}\b", listed, re.M)
    ]
    assert missing == []


def test_the_readme_check_would_see_a_missing_command():
    listed = readme_command_list()
    assert re.search(r"^warta search\b", listed, re.M)
    assert not re.search(r"^warta nosuchcommand\b", listed, re.M)
    assert "nosuchcommand" not in main.list_commands(click.Context(main))


def imports_after(*args: str) -> list[str]:
    """The heavy libraries a fresh process has imported after running `warta ARGS`."""
    code = (
        "import sys\n"
        "from warta.cli import main\n"
        f"try:\n    main({list(args)!r}, prog_name='warta')\n"
        "except SystemExit:\n    pass\n"
        f"print('imported:', *(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in result.stderr, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("imported:")]
    return line.split()[1:]


@pytest.mark.parametrize(
    "args", [["--help"], ["search", "--help"], ["search", "banjir", "--db", "/nonexistent.db"]]
)
def test_listing_and_searching_import_nothing_heavy(args):
    assert imports_after(*args) == []


def test_serve_does_import_datasette():
    """The check above sees imports: serving (here, up to its missing archive) needs Datasette."""
    assert "datasette" in imports_after("serve", "--db", "/nonexistent.db")


def test_the_console_script_and_python_m_warta_run():
    script = Path(sys.executable).with_name("warta")
    for command in ([str(script)], [sys.executable, "-m", "warta"]):
        result = subprocess.run(
            [*command, "sources"], cwd=REPO, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert "tribunjogja" in result.stdout.split()


# -- --source values are checked against the config given with --sources -----------------


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli-package") / "warta.db"
    with Archive(path) as archive:
        archive.store(row())  # a tribunjogja article
    return path


FILTERED = {
    "search": ["search", "banjir"],
    "search --count": ["search", "banjir", "--count"],
    "export": ["export", "banjir", "-o", "-"],
    "stats": ["stats"],
    "reparse": ["reparse"],
}


@pytest.mark.parametrize("command", list(FILTERED))
def test_a_source_of_the_given_config_is_known(db, tmp_path, command):
    config = tmp_path / "sources.toml"
    config.write_text(GOOD, encoding="utf-8")  # configures one source, "one"
    args = [*FILTERED[command], "--source", "one"]
    refused = warta_in_process(*args, db=db)  # the default config has no "one"
    assert refused.returncode == 1 and "unknown source 'one'" in refused.stderr
    known = warta_in_process(*args, "--sources", str(config), db=db)
    assert known.returncode == 0, known.stderr
    assert "unknown source" not in known.stderr


@pytest.mark.parametrize("command", list(FILTERED))
def test_a_source_the_given_config_lacks_is_unknown(db, tmp_path, command):
    config = tmp_path / "sources.toml"
    config.write_text(GOOD, encoding="utf-8")
    args = [*FILTERED[command], "--source", "kompasregional", "--sources", str(config)]
    result = warta_in_process(*args, db=db)  # in the default config, not in this one
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: unknown source 'kompasregional'; known: tribunjogja"
    ]


def test_a_broken_config_given_with_sources_is_one_line(db, tmp_path):
    config = tmp_path / "sources.toml"
    config.write_text("[sources.x]\nname = 3\n", encoding="utf-8")
    result = warta_in_process(
        "search", "banjir", "--source", "one", "--sources", str(config), db=db
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert str(config) in line and "source 'x'" in line
