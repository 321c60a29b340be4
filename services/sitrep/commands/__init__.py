"""The ``sitrep`` subcommands, one module each; ``sitrep.cli`` wires them to argparse."""
