"""dlbook: the tested code of the book *Deep Learning, Executed*.

Each submodule holds one subject and names the chapter that explains it.
Import what you need from the submodule, for example
``from dlbook.data import load_digits``. Importing ``dlbook`` itself loads
nothing else, so that a chapter depends only on the modules it imports.
"""

__version__ = "0.1.0"
