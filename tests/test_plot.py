import matplotlib as mpl
import pytest
import torch

from dlbook.data import load_digits, make_toy2d
from dlbook.plot import (plot_confusion_matrix, plot_curves, plot_decision_boundary,
                         show_images, use_house_style)


def test_house_style_has_opaque_white_background():
    use_house_style()
    assert mpl.rcParams["figure.facecolor"] == "white"
    assert mpl.rcParams["savefig.transparent"] is False


def test_show_images_grid():
    d = load_digits()
    fig = show_images(d.train.X[:10], d.train.y[:10].tolist(), ncols=5)
    assert len(fig.axes) == 10
    fig = show_images(torch.rand(3, 3, 8, 8))
    assert len(fig.axes) == 8


@pytest.mark.parametrize("images, labels, match", [
    (torch.rand(2, 2, 8, 8), None, "channels"), (torch.rand(8, 8), None, "dimensions"),
    (torch.rand(3, 8, 8), ["a"], "labels"),
])
def test_show_images_bad_input(images, labels, match):
    with pytest.raises(ValueError, match=match):
        show_images(images, labels)


def test_curves_boundary_confusion():
    ax = plot_curves({"train": [3, 2, 1], "val": [3, 2.5, 2]}, ylabel="loss")
    assert len(ax.lines) == 2
    X, y = make_toy2d("xor", 100)
    ax = plot_decision_boundary(lambda Z: (Z[:, 0] > 0).long(), X, y, resolution=20)
    assert ax.get_aspect() == 1.0
    ax = plot_confusion_matrix(torch.eye(3) * 5, ["a", "b", "c"])
    assert len(ax.texts) == 9


def test_plots_bad_input():
    with pytest.raises(TypeError, match="curves"):
        plot_curves([1, 2, 3])
    with pytest.raises(ValueError, match="X"):
        plot_decision_boundary(lambda Z: Z, torch.zeros(5, 3), torch.zeros(5))
    with pytest.raises(ValueError, match="confusion"):
        plot_confusion_matrix(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="class_names"):
        plot_confusion_matrix(torch.zeros(2, 2), ["a"])
