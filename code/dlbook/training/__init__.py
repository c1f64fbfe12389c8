"""Part II, Training deep networks: what makes deep networks trainable.

``activations``, ``init`` (initialisers), ``optim`` (optimisers and schedules
from scratch), ``regularization`` (dropout, weight decay), ``normalization``
(batch and layer norm), ``diagnostics`` (the checks of practical training).
"""
