"""URLs derived from the one repository URL in ``_config.yml``."""

from __future__ import annotations

import re

from sphinx.application import Sphinx


def repository_parts(app: Sphinx) -> tuple[str, str]:
    """The GitHub owner and repository name from ``repository.url``."""
    url = app.config.html_theme_options.get("repository_url", "")
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", url)
    if not match:
        raise ValueError(f"repository.url in _config.yml must be a GitHub URL, got {url!r}")
    return match.group(1), match.group(2)


def site_url(app: Sphinx) -> str:
    """Where GitHub Pages publishes the book, ending with a slash."""
    owner, repo = repository_parts(app)
    return f"https://{owner.lower()}.github.io/{repo}/"


def notebook_path(docname: str) -> str:
    """Path of a chapter's published notebook inside the notebooks branch."""
    return f"{docname}.ipynb"
