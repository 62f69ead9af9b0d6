"""The pure rules are imported as the top-level package ``rules`` so that
these tests run without Odoo (importing ``website_preorder`` would load the ORM)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "website_preorder"))
