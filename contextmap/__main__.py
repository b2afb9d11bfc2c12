"""``python -m contextmap``: the same command line as the ``contextmap`` script."""

from contextmap.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    main()
