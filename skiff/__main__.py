"""`python -m skiff` runs the command line."""

from skiff.cli import main

main()
