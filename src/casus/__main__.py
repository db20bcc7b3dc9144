"""``python -m casus`` (and ``accelerate launch -m casus train ...``): the casus command line."""

from .cli import main

main()
