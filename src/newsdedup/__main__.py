"""``python -m newsdedup``: the same as the ``newsdedup`` command."""

from .cli import main

main()
