"""`python -m smscore`."""

import sys

from smscore.cli import main

sys.exit(main())
