"""Part VIII, Scale: timing, memory accounting and data-parallel training."""
