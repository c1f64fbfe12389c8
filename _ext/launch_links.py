"""Point Binder and Colab at real ``.ipynb`` notebooks, and publish them.

Chapters are MyST markdown files; Colab opens only ``.ipynb`` files from a
repository. After every build, the executed notebook of each chapter is copied
to ``_build/notebooks/<docname>.ipynb`` together with the Binder environment;
the publishing workflow pushes that folder to the branch named by the
``launch_notebooks_branch`` setting, and the launch buttons point there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx

from book_urls import notebook_path, repository_parts


def rewrite_launch_buttons(app: Sphinx, pagename, templatename, context, doctree):
    owner, repo = repository_parts(app)
    branch = app.config.launch_notebooks_branch
    launch = app.config.html_theme_options.get("launch_buttons", {})
    ui = {"classic": "tree", "jupyterlab": "lab/tree"}[
        launch.get("notebook_interface", "classic")]
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group["buttons"]:
            target = notebook_path(pagename)
            if button.get("text") == "Binder":
                base = launch["binderhub_url"].rstrip("/")
                button["url"] = f"{base}/v2/gh/{owner}/{repo}/{branch}?urlpath={ui}/{target}"
            elif button.get("text") == "Colab":
                base = launch["colab_url"].rstrip("/")
                button["url"] = f"{base}/github/{owner}/{repo}/blob/{branch}/{target}"


def publish_notebooks(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.name != "html":
        return
    build = Path(app.outdir).parent
    executed = build / "jupyter_execute"
    out = build / "notebooks"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for docname in sorted(app.env.found_docs):
        source = executed / f"{docname}.ipynb"
        if source.is_file():
            target = out / notebook_path(docname)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    binder = Path(app.srcdir) / "binder"
    if binder.is_dir():
        shutil.copytree(binder, out / "binder")


def setup(app: Sphinx):
    app.add_config_value("launch_notebooks_branch", "notebooks", "html")
    app.connect("html-page-context", rewrite_launch_buttons, priority=502)
    app.connect("build-finished", publish_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
