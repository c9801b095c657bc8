"""`python -m bot` is the same as the `modbot` console script."""

from bot.cli import main

raise SystemExit(main())
