"""Each chapter's execution cost: ``_build/exec-times.json`` and the statistics page.

A chapter's budget is 60 seconds on the reference build machine. The figure held
to it is the chapter kernel's CPU time scaled by the machine's speed, measured
with the calibration workload in the same build (``calibration.py``): on a
slower or busier machine the raw seconds grow, the scaled cost does not. The
test suite reads ``exec-times.json``; the ``chapter-costs`` directive shows the
same numbers, raw and scaled, on the build-statistics page.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from calibration import REFERENCE_SECONDS, scaled_cost
from parallel_exec import cache_record

BUDGET_SECONDS = 60.0


def chapter_costs(app: Sphinx) -> dict[str, dict]:
    """Wall time, kernel CPU time, calibration and scaled cost of every executed chapter."""
    if getattr(app, "_chapter_costs", None) is not None:
        return app._chapter_costs
    metadata = getattr(app.env, "nb_metadata", {})
    costs = {}
    for docname in sorted(app.env.found_docs):
        exec_data = metadata.get(docname, {}).get("exec_data")
        if not exec_data:
            continue
        record = cache_record(app.env, docname)
        data = record.data if record is not None else {}
        cpu, calibration = data.get("cpu_seconds"), data.get("calibration_seconds")
        costs[docname] = {
            "runtime": exec_data.get("runtime"),
            "succeeded": exec_data.get("succeeded"),
            "executed": record.created.isoformat(timespec="seconds") if record else None,
            "cpu_seconds": cpu,
            "calibration_seconds": calibration,
            "calibration_runs": data.get("calibration_runs"),
            "scaled_seconds": (scaled_cost(cpu, calibration)
                               if cpu is not None and calibration else None),
        }
    app._chapter_costs = costs
    return costs


def write_exec_times(app: Sphinx, exception) -> None:
    if exception is not None:
        return
    path = Path(app.outdir).parent / "exec-times.json"
    path.write_text(json.dumps(chapter_costs(app), indent=1, sort_keys=True))


class chapter_costs_table(nodes.General, nodes.Element):
    """Placeholder, filled once every chapter has been executed."""


class ChapterCostsDirective(SphinxDirective):
    def run(self):
        self.env.chapter_costs_docs = getattr(self.env, "chapter_costs_docs", set())
        self.env.chapter_costs_docs.add(self.env.docname)
        return [chapter_costs_table()]


def _seconds(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def fill_table(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    placeholders = list(doctree.findall(chapter_costs_table))
    if not placeholders:
        return
    head = ["Chapter", "Executed (UTC)", "Wall time (s)", "Kernel CPU (s)",
            "Machine speed", "Scaled cost (s)", f"Within {BUDGET_SECONDS:.0f} s"]
    rows = []
    for docname, cost in chapter_costs(app).items():
        title = app.env.titles[docname].astext()
        link = nodes.reference("", title, internal=True,
                               refuri=app.builder.get_relative_uri(fromdocname, docname))
        calibration, scaled = cost["calibration_seconds"], cost["scaled_seconds"]
        speed = "–" if not calibration else f"{REFERENCE_SECONDS / calibration:.2f}×"
        verdict = "–" if scaled is None else ("yes" if scaled <= BUDGET_SECONDS else "NO")
        rows.append([link, (cost["executed"] or "–").replace("T", " "),
                     _seconds(cost["runtime"]), _seconds(cost["cpu_seconds"]), speed,
                     _seconds(scaled), verdict])
    table = nodes.table(classes=["chapter-costs"])
    group = nodes.tgroup(cols=len(head))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in head)
    thead, tbody = nodes.thead(), nodes.tbody()
    group += thead
    group += tbody
    for cells, parent in [(head, thead), *((row, tbody) for row in rows)]:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += nodes.paragraph("", "", cell if isinstance(cell, nodes.Node)
                                     else nodes.Text(cell))
            row += entry
        parent += row
    for placeholder in placeholders:
        placeholder.replace_self(table.deepcopy())


def always_reread(app: Sphinx, env, added, changed, removed):
    """The page with the table shows every build's numbers, so it is always rebuilt."""
    return [d for d in getattr(env, "chapter_costs_docs", set()) if d in env.found_docs]


def purge(app: Sphinx, env, docname: str) -> None:
    getattr(env, "chapter_costs_docs", set()).discard(docname)


def setup(app: Sphinx):
    app.add_node(chapter_costs_table)
    app.connect("env-purge-doc", purge)
    app.add_directive("chapter-costs", ChapterCostsDirective)
    app.connect("env-get-outdated", always_reread)
    app.connect("doctree-resolved", fill_table)
    app.connect("build-finished", write_exec_times)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
