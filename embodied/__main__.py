"""`python -m embodied` is the `embodied` command."""

from embodied.cli import main

raise SystemExit(main())
