"""`python -m embodied` is the `embodied` command."""

from embodied.cli import app

app(prog_name="embodied")
