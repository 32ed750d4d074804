"""`python -m fountain`: the same command line as `fountain`."""

from fountain.cli import main

main()
