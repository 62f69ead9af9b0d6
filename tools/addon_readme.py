"""Build website_preorder/README.rst from the readme/*.md fragments (the OCA
layout: DESCRIPTION, INSTALL, CONFIGURE, USAGE). ``--check`` fails when it is stale.

The fragments use a small Markdown subset (paragraphs, lists, *em*, **strong**,
`code`); this converts exactly that to reStructuredText.
"""

import pathlib
import re
import sys

ADDON = pathlib.Path(__file__).resolve().parent.parent / "website_preorder"
SECTIONS = (
    ("DESCRIPTION.md", None),
    ("INSTALL.md", "Installation"),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
)


def to_rst(markdown):
    text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", markdown)
    return re.sub(r"^(\d+)\. ", r"#. ", text, flags=re.M)


def build():
    title = "Website Pre-Order"
    parts = ["=" * len(title), title, "=" * len(title), ""]
    parts.append(".. Built by tools/addon_readme.py from readme/*.md: edit those.")
    parts.append("")
    for name, heading in SECTIONS:
        if heading:
            parts += [heading, "=" * len(heading), ""]
        parts += [to_rst((ADDON / "readme" / name).read_text()).strip(), ""]
    return "\n".join(parts)


if __name__ == "__main__":
    target = ADDON / "README.rst"
    content = build()
    if "--check" in sys.argv:
        if not target.exists() or target.read_text() != content:
            sys.exit("website_preorder/README.rst is stale: run python tools/addon_readme.py")
    else:
        target.write_text(content)
