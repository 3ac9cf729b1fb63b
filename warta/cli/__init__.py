"""The `warta` command: crawl, search and inspect the archive without knowing Scrapy.

Every command takes `--db PATH` (default $WARTA_DB or ./warta.db) where it reads
or writes an archive, and prints a one-line error, never a traceback, when its
input is wrong.

- `group.py`: the `warta` group (`main`), which imports each command's module by
  name when it is used, and turns errors into one line;
- `options.py`: what the commands share (options, day parsing, the error type,
  opening the archive); every command module imports it and never the group;
- one module per command (`search.py`, `export.py`, `serve.py`, …), and `tables.py`
  for the runs table that `crawl` and `runs` both print.
"""

from warta.cli.group import main

__all__ = ["main"]
