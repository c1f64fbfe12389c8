"""Part VIII, Scale.

``timing`` (fair timing: medians and quartiles after warm-up, alternating the
functions compared) and ``memory`` (bytes of parameters, gradients, optimiser
state and saved activations), chapter *Performance*; ``distributed`` (the
building blocks of a data-parallel training script: process groups, sharded
data, a ring all-reduce written by hand, the comparison with DDP, timing of one
and several processes), chapter *Data-parallel training*.
"""
