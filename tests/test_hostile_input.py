"""Each defect found by calling dlbook as a hostile reader would, pinned by a test.

The contract test (``test_contract.py``) sweeps every public name with bad values
of every kind; these tests name the defects one by one, with the input that
exposed each, so that none can come back unnoticed.
"""

from __future__ import annotations

import builtins
import math
import sys

import numpy as np
import pytest
import torch
from torch import nn

# --- a lesson the package got wrong -----------------------------------------


def test_log_softmax_subtracts_the_maximum_before_the_log_sum_exp():
    from dlbook.fundamentals.losses import cross_entropy, log_softmax

    for big in (1e7, 1e8):
        logits = torch.tensor([[big, big]], dtype=torch.float32)
        assert cross_entropy(logits, torch.tensor([0])).item() == pytest.approx(math.log(2))
        assert torch.allclose(log_softmax(logits), torch.full((1, 2), -math.log(2)))
    # Large logits with small differences keep those differences, as torch does.
    z = torch.tensor([[1000.0, 1000.5, 999.0]])
    assert torch.allclose(log_softmax(z), torch.log_softmax(z, -1), atol=1e-6)


# --- silent wrong answers ---------------------------------------------------


def test_nan_scores_are_rejected_by_detection_functions():
    from dlbook.cnn.detection import average_precision, match_detections, nms, precision_recall

    boxes = torch.tensor([[0.0, 0, 10, 10], [1, 1, 11, 11]])
    scores = torch.tensor([float("nan"), 0.9])
    with pytest.raises(ValueError, match="scores"):
        nms(boxes, scores)  # a NaN score used to win and suppress the real box
    with pytest.raises(ValueError, match="pred_scores"):
        match_detections(boxes, scores, boxes[:1])
    with pytest.raises(ValueError, match="scores"):
        precision_recall(scores, torch.tensor([True, False]), 1)
    with pytest.raises(ValueError, match="scores"):
        average_precision(scores, torch.tensor([True, False]), 1)


def test_is_tp_must_be_true_or_false():
    from dlbook.cnn.detection import average_precision, precision_recall

    with pytest.raises(ValueError, match="is_tp"):
        precision_recall(torch.tensor([0.9, 0.8]), torch.tensor([2, 0]), 2)  # precision 2.0
    with pytest.raises(ValueError, match="is_tp"):
        average_precision(torch.tensor([0.9, 0.8]), torch.tensor([2, 0]), 2)


def test_mean_average_precision_rejects_classes_it_would_drop():
    from dlbook.cnn.detection import mean_average_precision

    boxes = torch.tensor([[0.0, 0, 4, 4]])
    with pytest.raises(ValueError, match="true_classes"):
        mean_average_precision([boxes], [torch.tensor([0.9])], [torch.tensor([0])], [boxes],
                               [torch.tensor([5])], num_classes=2)
    with pytest.raises(ValueError, match="pred_classes"):
        mean_average_precision([boxes], [torch.tensor([0.9])], [torch.tensor([-1])], [boxes],
                               [torch.tensor([0])], num_classes=2)


def test_encode_grid_rejects_boxes_outside_the_image_and_fractional_classes():
    from dlbook.cnn.detection import encode_grid

    inside = torch.tensor([[1.0, 1, 5, 5]])
    with pytest.raises(ValueError, match="boxes"):
        encode_grid([torch.tensor([[20.0, 20, 30, 30]])], [torch.tensor([0])], image_size=12,
                    grid=3)  # used to wrap into the last cell
    with pytest.raises(TypeError, match="classes"):
        encode_grid([inside], [torch.tensor([0.5])], image_size=12, grid=3)
    with pytest.raises(ValueError, match="classes"):
        encode_grid([inside], [torch.tensor([-1])], image_size=12, grid=3)


def test_same_must_be_zero_or_one():
    from dlbook.cnn.metric_learning import (best_threshold, contrastive_loss,
                                            pair_contrastive_loss, verification_accuracy)

    same = torch.tensor([2.0, -1.0])
    z = torch.zeros(2, 3)
    with pytest.raises(ValueError, match="same"):
        contrastive_loss(z, z, same)  # gave a loss of -1.0
    with pytest.raises(ValueError, match="same"):
        pair_contrastive_loss(torch.zeros(2, 2, 3), same)
    with pytest.raises(ValueError, match="same"):
        verification_accuracy(torch.tensor([0.1, 0.2]), same, 0.5)
    with pytest.raises(ValueError, match="same"):
        best_threshold(torch.tensor([0.1, 0.2]), same)


def test_gaussian_kernel_with_a_tiny_sigma_is_a_point_not_nan():
    from dlbook.cnn.conv import gaussian_kernel

    k = gaussian_kernel(4, 0.01)
    assert torch.isfinite(k).all() and k.sum().item() == pytest.approx(1.0)
    assert torch.allclose(k[1:3, 1:3], torch.full((2, 2), 0.25))  # the centre of an even kernel
    assert torch.allclose(gaussian_kernel(5, 1.0).sum(), torch.tensor(1.0))


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_optimisers_refuse_parameters_they_would_mishandle(name):
    from dlbook.training import optim

    make = getattr(optim, name)
    p = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="params"):
        make([{"params": [p]}, {"params": [p]}], lr=0.1)  # stepped twice
    with pytest.raises(ValueError, match="params"):
        make([torch.zeros(2, requires_grad=True) * 2], lr=0.1)  # a copy would move
    with pytest.raises(TypeError, match="params"):
        make([torch.zeros(2, dtype=torch.long)], lr=0.1)  # never updated


def test_bool_flags_refuse_strings():
    from dlbook.cnn.augment import gaussian_noise
    from dlbook.cnn.metric_learning import pairwise_distances
    from dlbook.fundamentals.losses import logsumexp
    from dlbook.training.optim import SGD
    from dlbook.training.regularization import dropout

    x = torch.rand(1, 1, 4, 4)
    with pytest.raises(TypeError, match="clip"):
        gaussian_noise(x, clip="False")
    with pytest.raises(TypeError, match="squared"):
        pairwise_distances(torch.zeros(2, 3), squared="False")
    with pytest.raises(TypeError, match="keepdim"):
        logsumexp(torch.zeros(2, 3), keepdim="False")
    with pytest.raises(TypeError, match="set_to_none"):
        SGD([torch.zeros(2, requires_grad=True)]).zero_grad(set_to_none="False")
    with pytest.raises(TypeError, match="training"):
        dropout(torch.zeros(3), training="False")
    assert dropout(torch.ones(3), training=np.bool_(False)).tolist() == [1, 1, 1]


def test_xavier_std_refuses_a_negative_gain_and_relu_keeps_nan():
    from dlbook.training.activations import relu
    from dlbook.training.init import xavier_std

    with pytest.raises(ValueError, match="gain"):
        xavier_std(3, 4, gain=-1.0)
    assert torch.isnan(relu(torch.tensor([float("nan"), -1.0, 2.0])))[0]
    assert relu(torch.tensor([float("nan"), -1.0, 2.0]))[1:].tolist() == [0.0, 2.0]


def test_nan_baselines_and_fills_are_refused():
    from dlbook.cnn.attribution import integrated_gradients, occlusion

    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
    x = torch.rand(1, 1, 4, 4)
    with pytest.raises(ValueError, match="baseline"):
        integrated_gradients(model, x, 0, baseline=float("nan"), steps=2)
    with pytest.raises(ValueError, match="baseline"):
        integrated_gradients(model, x, 0, baseline=torch.full_like(x, float("nan")), steps=2)
    with pytest.raises(ValueError, match="fill"):
        occlusion(model, x, 0, window=2, fill=float("nan"))


# --- exercise checks that failed the student --------------------------------


def test_checks_give_feedback_where_they_crashed():
    from dlbook.checks.backpropagation import check_central_difference
    from dlbook.checks.normalization import check_fold_batchnorm
    from dlbook.checks.regularization import check_dropout
    from dlbook.checks.siamese import check_hardest_negative
    from dlbook.fundamentals.autograd import Value

    # A central difference computed with Values is right.
    assert check_central_difference(lambda f, x, h: Value((f(x + h) - f(x - h)) / (2 * h)))
    # float32 in evaluation mode is right too.
    assert check_dropout(lambda x, p, training: (
        x * (torch.rand_like(x) >= p) / (1 - p) if training else x).float())
    wrong_shape = check_fold_batchnorm(lambda linear, bn: nn.Linear(3, 5))
    assert not wrong_shape and "shape" in wrong_shape.message
    distances = check_hardest_negative(lambda z, labels: torch.cdist(z, z).masked_fill(
        labels[:, None] == labels[None, :], math.inf).min(1).values)
    assert not distances and "indices" in distances.message


def test_check_ridge_fit_names_a_y_centred_in_place():
    from dlbook.checks.linear_regression import check_ridge_fit

    def centres_y_in_place(X, y, lam):
        y -= y.mean()
        Xc = X - X.mean(0)
        w = torch.linalg.solve(Xc.T @ Xc + len(X) * lam * torch.eye(X.shape[1],
                                                                    dtype=X.dtype), Xc.T @ y)
        return w, -(X.mean(0) @ w)

    result = check_ridge_fit(centres_y_in_place)
    assert not result and "y in place" in result.message


# --- torch's internals leaking to the reader --------------------------------


def test_least_squares_refuses_nan():
    from dlbook.fundamentals.linear import least_squares

    X = torch.randn(5, 2)
    X[0, 0] = float("nan")
    with pytest.raises(ValueError, match="X"):
        least_squares(X, torch.randn(5))


@pytest.mark.parametrize("layer, x", [
    ("BatchNorm1d", torch.randn(4, 3, dtype=torch.float64)),
    ("BatchNorm1d", torch.ones(4, 3, dtype=torch.long)),
    ("LayerNorm", torch.randn(4, 3, dtype=torch.float64)),
    ("LayerNorm", torch.ones(4, 3, dtype=torch.long)),
])
def test_normalisation_layers_name_a_wrong_dtype(layer, x):
    from dlbook.training import normalization

    with pytest.raises(TypeError, match=r"\bx\b"):
        getattr(normalization, layer)(3)(x)


def test_class_labels_are_checked_before_cross_entropy():
    from dlbook.cnn.detection import detection_loss
    from dlbook.fundamentals.mlp import parallel_cross_entropy
    from dlbook.training.diagnostics import initial_loss_check, overfit_one_batch

    model = nn.Linear(3, 2)
    X = torch.randn(4, 3)
    for y in (torch.tensor([0, 1, 2, 0]), torch.tensor([0, 1, -1, 0])):
        with pytest.raises(ValueError, match=r"\by\b"):
            initial_loss_check(model, X, y)
        with pytest.raises(ValueError, match=r"\by\b"):
            overfit_one_batch(model, X, y, loss_fn=nn.functional.cross_entropy, steps=1)
        with pytest.raises(ValueError, match=r"\by\b"):
            parallel_cross_entropy(torch.randn(2, 4, 2), y)
    with pytest.raises(TypeError, match=r"\by\b"):
        initial_loss_check(model, X, torch.zeros(4))
    target = torch.zeros(1, 2, 2, 6)
    target[0, 0, 0] = torch.tensor([1.0, 0.5, 0.5, 0.3, 0.3, 7.0])  # class 7 of 2
    with pytest.raises(ValueError, match="target"):
        detection_loss(torch.randn(1, 2, 2, 7), target)


def test_fit_and_predict_reject_bad_arguments_clearly():
    from dlbook.train import fit, predict

    def run(**kwargs):
        model = nn.Linear(3, 2)
        args = dict(model=model, train_data=(torch.randn(6, 3), torch.arange(6) % 2),
                    loss_fn=nn.functional.cross_entropy,
                    optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=1,
                    progress=False, verbose=False)
        return fit(**{**args, **kwargs})

    with pytest.raises(TypeError, match="seed"):
        run(seed="0")
    with pytest.raises(ValueError, match="device"):
        run(device="gpu")
    with pytest.raises(ValueError, match="train_data"):
        run(train_data=(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long)))
    assert len(run(seed=np.int64(3))) == 1
    assert predict(nn.Linear(3, 2), torch.zeros(0, 3)).shape == (0, 2)


def test_model_forwards_check_their_input():
    from dlbook.cnn.architectures import SmallResNet
    from dlbook.cnn.lenet import LeNet
    from dlbook.fundamentals.mlp import MLP

    with pytest.raises(ValueError, match=r"\bx\b"):
        MLP([4, 8, 2])(torch.randn(5, 3))
    with pytest.raises(ValueError, match=r"\bx\b"):
        SmallResNet(8, width=4)(torch.randn(2, 1, 8, 8))
    with pytest.raises(TypeError, match=r"\bx\b"):
        LeNet()("images")


def test_compose_and_augment_take_transforms_without_a_generator():
    from dlbook.cnn.augment import Augment, Compose, hflip, random_hflip

    x = torch.rand(2, 3, 4, 4)
    assert torch.equal(Compose([hflip])(x), x.flip(-1))
    assert Compose([hflip, random_hflip])(x, generator=torch.Generator()).shape == x.shape
    assert torch.equal(Augment(hflip)(x), x.flip(-1))


@pytest.mark.parametrize("size", [(3, 3), (1, 1), (5, 2), (48, 48)])
def test_unet_takes_any_input_size(size):
    from dlbook.cnn.segmentation import UNet

    assert UNet(3, 2, width=4, depth=2).eval()(torch.rand(1, 3, *size)).shape == (1, 2, *size)


def test_glue_works_without_ipython(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "IPython", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "IPython.display", None)
    from dlbook.glue import glue

    glue("a-number", 0.5)
    glue("shown", 0.25, display=True)
    assert capsys.readouterr().out == "0.25\n"
    with pytest.raises(TypeError, match="display"):
        glue("x", 1, display="False")
    assert builtins.__import__  # nothing else was disturbed
