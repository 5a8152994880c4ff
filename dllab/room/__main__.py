"""`python -m dllab.room`: the same command as `dllab-room`."""

import sys

from dllab.room import main

sys.exit(main())
