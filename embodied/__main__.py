"""`python -m embodied` is the `embodied` command."""

from embodied.cli import main

if __name__ == "__main__":  # a spawned child process (the 3D scene's) imports this module too
    raise SystemExit(main())
