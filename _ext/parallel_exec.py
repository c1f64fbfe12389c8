"""Execute the chapters that need it in parallel, before Sphinx reads them.

myst-nb executes a notebook when Sphinx reads it, one chapter after another.
Just before the reading starts, this extension finds the chapters whose outputs
are not in the jupyter-cache (after ``chapter_deps`` has dropped those whose
dlbook modules changed), executes them in a pool of worker processes, longest
first, and stores the executed notebooks in the cache. myst-nb then finds every
chapter cached. A chapter that raises is not stored: myst-nb executes it again
while reading and fails the build with its traceback, as without this extension.

Each worker runs one chapter at a time in a fresh kernel, in a temporary
directory, with the cell timeout of ``_config.yml``. Besides the wall time it
records the kernel's CPU time and the machine's speed, measured right before and
after the chapter (see ``calibration.py``), so that the budget can be held on the chapter's cost rather
than on how busy the machine was. ``nb_parallel_workers`` sets the pool's size
(default: the number of cores).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


def read_notebook(env, docname: str):
    """The notebook myst-nb makes of a chapter (so that cache keys agree), or None."""
    from myst_nb.core.read import create_nb_reader

    path = env.doc2path(docname)
    if not str(path).endswith((".md", ".ipynb")):
        return None
    text = Path(path).read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), env.myst_config, env.mystnb_config, text)
    return None if reader is None else reader.read(text)


def cache_record(env, docname: str):
    """The jupyter-cache record holding this chapter's current outputs, or None."""
    from jupyter_cache import get_cache

    notebook = read_notebook(env, docname)
    if notebook is None:
        return None
    try:
        return get_cache(env.mystnb_config.execution_cache_path).match_cache_notebook(
            notebook)
    except KeyError:
        return None


def _execute(notebook, timeout: int) -> dict:
    """Run one notebook in a fresh kernel (a child of this worker), calibrating the
    machine just before and just after, under the same load as the chapter."""
    import statistics

    from calibration import children_cpu, measure_runs
    from jupyter_cache.executors.utils import single_nb_execution

    # the median of three short runs on each side: one run alone is at the mercy of
    # whatever else the machine did in that third of a second
    before = measure_runs(repeats=3)
    cpu = children_cpu()
    with tempfile.TemporaryDirectory() as cwd:
        result = single_nb_execution(notebook, cwd=cwd, timeout=timeout,
                                     allow_errors=False, meta_override=True)
    # the kernel has exited and been waited for, so its CPU time is counted
    cpu = children_cpu() - cpu
    after = measure_runs(repeats=3)
    return {"notebook": result.nb, "error": result.exc_string,
            "execution_seconds": result.time, "cpu_seconds": cpu,
            "calibration_seconds": statistics.mean([statistics.median(before),
                                                    statistics.median(after)]),
            "calibration_runs": before + after}


def execute_outdated(app: Sphinx, env, docnames: list[str]) -> None:
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    config = env.mystnb_config
    if config.execution_mode != "cache" or not docnames:
        return
    cache = get_cache(config.execution_cache_path)
    todo = {}
    for docname in docnames:
        notebook = read_notebook(env, docname)
        if notebook is None or not any(c.cell_type == "code" for c in notebook.cells):
            continue
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            todo[docname] = notebook
    if not todo:
        return
    # longest first (by the last recorded time, else by length), so that no long
    # chapter starts last and runs alone
    last = _last_times(app)
    order = sorted(todo, key=lambda d: (-last.get(d, 0.0), -len(str(todo[d]))))
    workers = min(app.config.nb_parallel_workers or os.cpu_count() or 1, len(order))
    LOGGER.info("Executing notebooks in parallel, %d in %d worker(s): %s", len(order), workers,
                ", ".join(order))
    start = time.perf_counter()
    failed = []
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        futures = {pool.submit(_execute, todo[d], config.execution_timeout): d
                   for d in order}
        for future in as_completed(futures):
            docname = futures[future]
            out = future.result()
            if out.pop("error"):
                failed.append(docname)  # myst-nb re-executes it and reports the error
                continue
            notebook = out.pop("notebook")
            cache.cache_notebook_bundle(
                CacheBundleIn(notebook, str(Path(env.doc2path(docname))), data=out),
                check_validity=False, overwrite=True)
            LOGGER.info("executed %s in %.1f s (kernel CPU %.1f s)", docname,
                        out["execution_seconds"], out["cpu_seconds"])
    LOGGER.info("parallel execution took %.1f s%s", time.perf_counter() - start,
                f"; failed: {', '.join(failed)}" if failed else "")


def _last_times(app: Sphinx) -> dict[str, float]:
    path = Path(app.outdir).parent / "exec-times.json"
    if not path.is_file():
        return {}
    return {d: t.get("runtime") or 0.0 for d, t in json.loads(path.read_text()).items()}


def setup(app: Sphinx):
    app.add_config_value("nb_parallel_workers", 0, "env")
    # runs after env-get-outdated, where chapter_deps dropped the stale entries
    app.connect("env-before-read-docs", execute_outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
