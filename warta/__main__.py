"""`python -m warta` is the `warta` command."""

from warta.cli import main

main()
