"""Point Binder and Colab at real ``.ipynb`` notebooks, and publish them.

Chapters are MyST markdown files; Colab opens only ``.ipynb`` files from a
repository. After every build, the executed notebook of each chapter is written
to ``_build/notebooks/<docname>.ipynb`` together with the Binder environment;
the publishing workflow pushes that folder to the branch named by the
``launch_notebooks_branch`` setting, and the launch buttons point there.

myst-nb writes the notebook it read to ``_build/jupyter_execute``, and when the
outputs come from the execution cache that copy has none. So the outputs are
merged in from the cache here, and the notebook offered for download in
``_sources`` is replaced by the executed one too.
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
    import nbformat
    from jupyter_cache import get_cache

    build = Path(app.outdir).parent
    executed = build / "jupyter_execute"
    cache = get_cache(str(Path(app.srcdir) / app.config.nb_execution_cache_path))
    out = build / "notebooks"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for docname in sorted(app.env.found_docs):
        source = executed / f"{docname}.ipynb"
        if not source.is_file():
            continue
        notebook = nbformat.read(source, as_version=4)
        try:
            _, notebook = cache.merge_match_into_notebook(notebook)
        except KeyError:
            pass  # not executed through the cache: the outputs are already there
        for target in (out / notebook_path(docname),
                       Path(app.outdir) / "_sources" / f"{docname}.ipynb"):
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, target)
    binder = Path(app.srcdir) / "binder"
    if binder.is_dir():
        shutil.copytree(binder, out / "binder")


def setup(app: Sphinx):
    app.add_config_value("launch_notebooks_branch", "notebooks", "html")
    app.connect("html-page-context", rewrite_launch_buttons, priority=502)
    app.connect("build-finished", publish_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
