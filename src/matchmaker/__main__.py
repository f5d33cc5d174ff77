"""``python -m matchmaker``: the ``matchmaker`` command."""

from matchmaker.cli import main

main()
