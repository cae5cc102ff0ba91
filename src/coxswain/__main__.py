"""``python -m coxswain`` runs the command line."""

from coxswain.cli.main import run

run()
