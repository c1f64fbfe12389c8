"""Part VII, Reinforcement learning: one module per subject of the part's chapters."""
