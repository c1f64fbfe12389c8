import pytest

import dlbook.glue as glue_module
from dlbook.glue import GLUE_PREFIX, glue


def test_glue_follows_myst_nb_protocol(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.get_ipython", lambda: object())  # as in a notebook
    monkeypatch.setattr("IPython.display.display",
                        lambda data, raw, metadata: shown.append((data, metadata)))
    glue("chapter-acc", 0.975)
    glue("chapter-table", "text", display=True)
    (hidden, meta), (visible, meta2) = shown
    assert hidden == {GLUE_PREFIX + "text/plain": "0.975"}
    assert meta["scrapbook"] == {"name": "chapter-acc", "mime_prefix": GLUE_PREFIX}
    assert visible == {"text/plain": "'text'"} and meta2["scrapbook"]["mime_prefix"] == ""


def test_glue_agrees_with_myst_nb():
    myst_glue = pytest.importorskip("myst_nb.ext.glue")
    assert myst_glue.GLUE_PREFIX == glue_module.GLUE_PREFIX


@pytest.mark.parametrize("name", ["", "1abc", "a b", 3])
def test_glue_bad_name(name):
    with pytest.raises(ValueError, match="name"):
        glue(name, 1)
