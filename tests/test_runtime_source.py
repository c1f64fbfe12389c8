import random

import numpy as np
import pytest
import torch

from dlbook.runtime import choose_device, seed_everything
from dlbook.source import SourceCode, show_source


def test_seed_everything_makes_all_generators_repeat():
    g = seed_everything(7)
    first = (random.random(), np.random.rand(), torch.rand(1).item(),
             torch.rand(1, generator=g).item())
    g = seed_everything(7)
    again = (random.random(), np.random.rand(), torch.rand(1).item(),
             torch.rand(1, generator=g).item())
    assert first == again


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (2**32, ValueError),
                                         (1.5, TypeError), ("0", TypeError)])
def test_seed_everything_bad_input(seed, error):
    with pytest.raises(error, match="seed"):
        seed_everything(seed)


def test_choose_device(monkeypatch):
    monkeypatch.delenv("DLBOOK_DEVICE", raising=False)
    assert isinstance(choose_device(), torch.device)
    assert choose_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("DLBOOK_DEVICE", "cpu")
    assert choose_device() == torch.device("cpu")


def test_choose_device_bad_input():
    with pytest.raises(ValueError, match="prefer"):
        choose_device("tpu")
    with pytest.raises(TypeError, match="prefer"):
        choose_device(0)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            choose_device("cuda")


def test_show_source_renders_markdown_code():
    src = show_source(seed_everything)
    assert isinstance(src, SourceCode)
    assert src.text.startswith("def seed_everything")
    md = src._repr_markdown_()
    assert md.startswith("```python\n") and md.endswith("```")


def test_show_source_bad_input():
    with pytest.raises(TypeError, match="obj"):
        show_source(42)
