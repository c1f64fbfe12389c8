"""dlbook: the tested code of the book *Deep Learning, Executed*.

Each submodule holds one subject and names the chapter that explains it.
Import what you need from the submodule, for example
``from dlbook.data import load_digits``. Importing ``dlbook`` itself loads
nothing else, so that a chapter depends only on the modules it imports.

Data and tools: ``data`` (bundled and generated datasets), ``shapes`` (synthetic
scenes with boxes and masks), ``plot`` (the house figure style), ``runtime``
(seeds, devices), ``source`` (show package code in a chapter), ``glue`` (numbers
for the prose), ``train`` (the training loop), ``checks`` (exercise checks).

Part I: ``linear``, ``linear_models``, ``losses``, ``metrics``, ``autograd``,
``mlp``, ``activations``, ``init``, ``optim``, ``regularization``,
``normalization``, ``diagnostics``.

Part II: ``conv``, ``lenet``, ``architectures``, ``augment``, ``transfer``,
``detection``, ``segmentation``, ``metric_learning``, ``attribution``.
"""

__version__ = "0.1.0"
