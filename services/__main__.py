"""`python -m services <service>` serves one service (the container's entry point)."""

import sys

from services.runtime.cli import main

if __name__ == "__main__":
    main(["serve", *sys.argv[1:]])
