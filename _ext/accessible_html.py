"""Markup fixes that make every page pass axe-core's WCAG 2.1 A and AA rules.

The colours live in ``_static/book.css``; this extension fixes what CSS cannot:

- **Bibliography entries.** docutils writes each entry as
  ``<div role="doc-biblioentry">`` inside ``<div role="list">``: a deprecated
  DPUB-ARIA role, and a list whose children are not list items. Entries become
  ``role="listitem"``, so the list is a list of its entries.
- **Hidden code cells.** myst-nb names the summary of a hidden cell "Toggle hidden
  content" while it shows "Show code cell source": the accessible name must
  contain the visible label (WCAG 2.5.3), so the summary is named by its text.
- **Search button and colour-mode switch.** Two of the theme's templates, in
  ``accessible_templates/``, take precedence over the theme's own: the search
  button is named by its visible text ("Search Ctrl+K") and the switch's icons
  are decorative, so that their titles do not contradict its name.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

TEMPLATES = Path(__file__).with_name("accessible_templates")


def visit_citation(self, node: nodes.citation) -> None:
    """docutils' HTML5 visit_citation, with list items instead of doc-biblioentry."""
    if not isinstance(node.previous_sibling(), type(node)):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def visit_hidden_cell(self, node) -> None:
    """myst-nb's hidden-cell summary, named by its visible prompt."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n'
                     f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n'
                     f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n'
                     "</summary>\n")


def prefer_templates(app: Sphinx, config) -> None:
    config.templates_path.insert(0, str(TEMPLATES))


def setup(app: Sphinx):
    app.setup_extension("myst_nb")  # its handlers first, so that ours replace them
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    app.add_node(nodes.citation, override=True, html=(visit_citation, None))
    app.add_node(HideCodeCellNode, override=True,
                 html=(visit_hidden_cell, depart_HideCellInput))
    app.connect("config-inited", prefer_templates)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
