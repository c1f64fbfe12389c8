"""Shared test settings: plots draw off-screen, and nothing shows progress bars."""

import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("DLBOOK_PROGRESS", "0")
