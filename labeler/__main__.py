"""`python -m labeler` is the same as the `labeler` command."""

import sys

from labeler.cli import main

if __name__ == "__main__":
    sys.exit(main())
