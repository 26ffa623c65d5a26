"""Entry point for `python -m trctl`."""

from trctl.cli import main

if __name__ == "__main__":
    main()
