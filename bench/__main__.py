"""`python -m bench`: see bench/run.py for the options."""

from bench.run import main

main()
