"""Re-execute a chapter when a dlbook module it imports has changed.

jupyter-cache keys a chapter's cached outputs on the chapter's own code cells, so
an edit to ``code/dlbook`` alone would leave stale outputs in the book. Before
Sphinx decides what to re-read, this extension finds, for every chapter, the
dlbook modules it imports (directly, and through the package's own imports),
hashes their sources, and compares with the hashes recorded at the last build.
Where they differ, it drops the chapter's cache entry and marks it outdated, so
that it is executed again. The record lives next to the cache, in
``dlbook-deps.json``: deleting the cache deletes the record too.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
PACKAGE = "dlbook"
IMPORT_RE = re.compile(
    r"^[ \t]*(?:from[ \t]+(dlbook(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[\w \t,*]+)"
    r"|import[ \t]+(dlbook(?:\.\w+)*))",
    re.MULTILINE)


def _module_file(package_dir: Path, dotted: str) -> Path | None:
    parts = dotted.split(".")[1:]
    base = package_dir.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _all_modules(package_dir: Path) -> set[Path]:
    return set(package_dir.rglob("*.py"))


def _imports_of_module(package_dir: Path, path: Path) -> set[str]:
    """Dotted names of dlbook modules that the module at ``path`` imports."""
    rel = path.relative_to(package_dir.parent).with_suffix("")
    return _imports_of_source(rel.parts, path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1024)
def _imports_of_source(module_parts: tuple[str, ...], source: str) -> frozenset[str]:
    """Parsing is the slow part, and a module's imports depend only on its text."""
    parts = list(module_parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    package_parts = parts if is_package else parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[:len(package_parts) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != PACKAGE:
                continue
            found.add(mod)
            found.update(f"{mod}.{a.name}" for a in node.names)  # submodules
    return frozenset(found)


def dependencies(package_dir: Path, chapter_text: str) -> set[Path]:
    """The dlbook source files a chapter's code can execute, as a closed set."""
    roots: set[str] = set()
    for frm, names, imp in IMPORT_RE.findall(chapter_text):
        if imp:
            if imp == PACKAGE:  # ``import dlbook``: any attribute may follow
                return _all_modules(package_dir)
            roots.add(imp)
        else:
            roots.add(frm)
            roots.update(f"{frm}.{n.strip()}" for n in names.replace("(", "").replace(
                ")", "").split(",") if n.strip() and n.strip() != "*")
            if "*" in names:
                return _all_modules(package_dir)
    files: set[Path] = set()
    todo = list(roots)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        # every parent package's __init__ runs on import
        for i in range(1, name.count(".") + 1):
            todo.append(".".join(name.split(".")[:i]))
        path = _module_file(package_dir, name)
        if path is None or path in files:
            continue
        files.add(path)
        todo.extend(_imports_of_module(package_dir, path))
    return files


def digest(package_dir: Path, files: set[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(str(path.relative_to(package_dir)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _is_notebook_source(path: Path) -> bool:
    if path.suffix != ".md":
        return False
    head = path.read_text(encoding="utf-8")[:600]
    return head.startswith("---") and "kernelspec:" in head


def find_outdated(app: Sphinx, env, added, changed, removed):
    cache_dir = Path(app.srcdir) / app.config.nb_execution_cache_path
    package_dir = Path(app.srcdir) / "code" / PACKAGE
    record_path = cache_dir / "dlbook-deps.json"
    record = json.loads(record_path.read_text()) if record_path.is_file() else {}
    stale: dict[str, str] = {}
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if not _is_notebook_source(path):
            continue
        key = str(path.resolve())
        new = digest(package_dir, dependencies(package_dir, path.read_text(encoding="utf-8")))
        if record.get(key) != new:
            stale[docname] = key
        record[key] = new
    if stale and cache_dir.is_dir():
        from jupyter_cache import get_cache

        cache = get_cache(str(cache_dir))
        keys = set(stale.values())
        for rec in cache.list_cache_records():
            if rec.uri and str(Path(rec.uri).resolve()) in keys:
                cache.remove_cache(rec.pk)
        LOGGER.info("dlbook changed under %d chapter(s); re-executing: %s",
                    len(stale), ", ".join(stale))
    cache_dir.mkdir(parents=True, exist_ok=True)
    record_path.write_text(json.dumps(record, indent=1, sort_keys=True))
    return [d for d in stale if d not in added]


def setup(app: Sphinx):
    app.connect("env-get-outdated", find_outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
