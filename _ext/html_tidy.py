"""Small fixes to every page's HTML head.

sphinx-thebe registers its configuration script each time Sphinx reads
documents, so a page can carry the same ``const THEBE_JS_URL`` twice, which
the browser reports as an error. Identical scripts are kept once.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def drop_duplicate_scripts(app: Sphinx, pagename, templatename, context, doctree):
    seen = set()
    unique = []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", None) or "",
               getattr(script, "attributes", {}).get("body"))
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    context["script_files"] = unique


def setup(app: Sphinx):
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
