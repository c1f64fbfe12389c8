"""Write each chapter's execution time to ``_build/exec-times.json``.

The test suite reads this file to hold every chapter to its time budget; the
same numbers appear on the build-statistics page.
"""

from __future__ import annotations

import json
from pathlib import Path

from sphinx.application import Sphinx


def write_exec_times(app: Sphinx, exception) -> None:
    if exception is not None:
        return
    metadata = getattr(app.env, "nb_metadata", {})
    times = {}
    for docname in sorted(app.env.found_docs):
        data = metadata.get(docname, {}).get("exec_data")
        if data:
            times[docname] = {"runtime": data.get("runtime"),
                              "method": data.get("method"),
                              "succeeded": data.get("succeeded")}
    path = Path(app.outdir).parent / "exec-times.json"
    path.write_text(json.dumps(times, indent=1, sort_keys=True))


def setup(app: Sphinx):
    app.connect("build-finished", write_exec_times)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
