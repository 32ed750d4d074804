"""The `fountain` command line: one thin subcommand per stage."""
