"""``python -m veracity`` runs the command-line interface."""

from veracity.cli import main

raise SystemExit(main())
