"""Shared test settings: plots draw off-screen, and nothing shows progress bars."""

import os
import sys
from pathlib import Path

import matplotlib

# Test modules share names across folders (test_normalization.py for the module and
# for its exercise checks), so pytest imports them by path; helpers live here.
sys.path.insert(0, str(Path(__file__).resolve().parent))

matplotlib.use("Agg")
os.environ.setdefault("DLBOOK_PROGRESS", "0")
