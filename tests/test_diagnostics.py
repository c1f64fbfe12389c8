"""dlbook.training.diagnostics: the steps of the debugging recipe of *Practical training*."""

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from dlbook.data import make_toy2d
from dlbook.training.diagnostics import (gradient_norms, initial_loss_check, lr_range_test,
                                most_confident_errors, overfit_one_batch,
                                parameter_snapshot, suggest_lr, update_ratios)
from dlbook.training.normalization import BatchNorm1d
from dlbook.runtime import seed_everything
from dlbook.train import accuracy, fit


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny models run fastest on one thread, above all on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _mlp(classes=3, hidden=32):
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, classes))


def _blobs():
    return make_toy2d("blobs", 300, classes=3, seed=0)


def test_initial_loss_check_expects_log_c_and_leaves_the_model_alone():
    seed_everything(0)
    X, y = _blobs()
    model = nn.Sequential(nn.Linear(2, 32), BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 3))
    with torch.no_grad():
        model[-1].weight.mul_(0.01)  # near-uniform outputs
    model.eval()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    check = initial_loss_check(model, X, y)
    assert check.expected == pytest.approx(math.log(3))
    assert check.measured == pytest.approx(math.log(3), rel=0.02)
    assert check.ratio == pytest.approx(1, rel=0.02)
    assert not model.training  # mode kept
    for k, v in model.state_dict().items():
        assert torch.equal(v, state[k]), k  # running statistics untouched
    with torch.no_grad():
        model[-1].weight.mul_(1000)  # overconfident at initialisation
    assert initial_loss_check(model, X, y).ratio > 1.5
    assert initial_loss_check(model, X, y, num_classes=10).expected == pytest.approx(
        math.log(10))


def test_overfit_one_batch_drives_the_loss_to_zero_and_catches_a_bug():
    seed_everything(0)
    X, y = _blobs()
    X, y = X[:16], y[:16]
    losses = overfit_one_batch(_mlp(), X, y, loss_fn=F.cross_entropy, lr=0.02, steps=300)
    assert len(losses) == 300
    assert losses[-1] < 0.01 < losses[0]
    # Softmax before cross_entropy: the loss cannot go below log(1 + (C-1)/e).
    broken = nn.Sequential(_mlp(), nn.Softmax(dim=1))
    losses = overfit_one_batch(broken, X, y, loss_fn=F.cross_entropy, lr=0.02, steps=300)
    assert losses[-1] > math.log(1 + 2 / math.e) - 1e-3
    with pytest.raises(TypeError, match="optimizer"):
        overfit_one_batch(_mlp(), X, y, loss_fn=F.cross_entropy, optimizer="adam")


def test_lr_range_test_restores_weights_and_optimizer_state():
    seed_everything(0)
    X, y = _blobs()
    model = nn.Sequential(nn.Linear(2, 16), BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.123, momentum=0.9)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = lr_range_test(model, (X, y), loss_fn=F.cross_entropy, optimizer=opt,
                           start_lr=1e-4, end_lr=100.0, steps=60, batch_size=32)
    assert len(result.lrs) == len(result.losses) >= 10
    assert result.lrs[0] == pytest.approx(1e-4)
    ratios = [b / a for a, b in zip(result.lrs, result.lrs[1:])]
    assert max(ratios) == pytest.approx(min(ratios))  # geometric growth
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert opt.param_groups[0]["lr"] == 0.123
    assert opt.state_dict()["state"] == {}  # no momentum buffers left behind


def test_lr_range_test_finds_a_sensible_learning_rate():
    """On a least-squares problem SGD is stable below 2/L; the suggestion must be too."""
    g = torch.Generator().manual_seed(0)
    X = torch.randn(512, 4, generator=g) * torch.tensor([1.5, 1.0, 1.0, 0.75])
    y = X @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.1 * torch.randn(512, generator=g)
    L = 2 * torch.linalg.eigvalsh(X.T @ X / len(X)).max().item()  # MSE's curvature
    model = nn.Linear(4, 1, bias=False)
    with torch.no_grad():
        model.weight.zero_()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    loss_fn = lambda out, t: F.mse_loss(out.squeeze(1), t)  # noqa: E731
    result = lr_range_test(model, (X, y), loss_fn=loss_fn, optimizer=opt, start_lr=1e-5,
                           end_lr=10.0, steps=120, batch_size=512, smoothing=1.0)
    assert result.lrs[-1] < 10.0  # stopped once the loss diverged
    lr = suggest_lr(*result)
    assert 1e-3 < lr < 2 / L
    # ...and training with it works.
    for group in opt.param_groups:
        group["lr"] = lr
    fit(model, (X, y), loss_fn=loss_fn, optimizer=opt, epochs=100, batch_size=512,
        progress=False, verbose=False)
    assert torch.allclose(model.weight.detach(), torch.tensor([[1.0, -2.0, 0.5, 3.0]]),
                          atol=0.05)


def test_lr_range_test_on_a_classifier_beats_a_tiny_learning_rate():
    seed_everything(0)
    X, y = _blobs()
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    lr = suggest_lr(*lr_range_test(model, (X, y), loss_fn=F.cross_entropy, optimizer=opt,
                                   start_lr=1e-5, end_lr=10.0, steps=100, batch_size=32))
    assert 1e-3 < lr < 10.0
    for group in opt.param_groups:
        group["lr"] = lr
    hist = fit(model, (X, y), loss_fn=F.cross_entropy, optimizer=opt, epochs=10,
               batch_size=32, metrics={"accuracy": accuracy}, progress=False,
               verbose=False)
    assert hist["train_accuracy"][-1] > 0.9


def test_gradient_norms_agree_with_torch_and_update_ratios():
    seed_everything(0)
    X, y = _blobs()
    model = _mlp()
    model[0].weight.requires_grad_(False)  # frozen: no gradient, left out
    F.cross_entropy(model(X), y).backward()
    norms = gradient_norms(model)
    assert set(norms) == {"0.bias", "2.weight", "2.bias"}
    for name, p in model.named_parameters():
        if p.grad is not None:
            assert norms[name] == pytest.approx(
                torch.linalg.vector_norm(p.grad).item(), rel=1e-6)
    before = parameter_snapshot(model)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    opt.step()
    ratios = update_ratios(model, before)
    w = before["2.weight"]
    want = (0.1 * model[2].weight.grad).norm() / w.norm()
    assert ratios["2.weight"] == pytest.approx(want.item(), rel=1e-5)
    assert ratios["0.weight"] == 0.0
    with pytest.raises(ValueError, match="backward"):
        gradient_norms(_mlp())
    with pytest.raises(ValueError, match="before"):
        update_ratios(_mlp(), {"nope": torch.ones(1)})


def test_most_confident_errors_orders_by_confidence():
    logits = torch.tensor([[5.0, 0.0], [0.0, 1.0], [0.0, 9.0], [2.0, 0.0], [0.0, 3.0]])
    y = torch.tensor([1, 1, 0, 1, 1])
    result = most_confident_errors(logits, y, k=5)
    assert result.indices.tolist() == [2, 0, 3]
    assert result.predicted.tolist() == [1, 0, 0]
    assert torch.allclose(result.confidence, logits.softmax(1).max(1).values[[2, 0, 3]])
    assert most_confident_errors(logits, y, k=1).indices.tolist() == [2]
    none = most_confident_errors(logits, logits.argmax(1))
    assert len(none.indices) == 0


def test_bad_arguments_raise_and_name_the_argument():
    X, y = _blobs()
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="model"):
        initial_loss_check("model", X, y)
    with pytest.raises(ValueError, match="num_classes"):
        initial_loss_check(model, X, y, num_classes=1)
    with pytest.raises(ValueError, match="same length"):
        initial_loss_check(model, X, y[:5])
    with pytest.raises(ValueError, match="steps"):
        overfit_one_batch(model, X, y, loss_fn=F.cross_entropy, steps=0)
    with pytest.raises(ValueError, match="lr"):
        overfit_one_batch(model, X, y, loss_fn=F.cross_entropy, lr=-1.0)
    with pytest.raises(ValueError, match="end_lr"):
        lr_range_test(model, (X, y), loss_fn=F.cross_entropy, optimizer=opt,
                      start_lr=1.0, end_lr=0.1)
    with pytest.raises(ValueError, match="start_lr"):
        lr_range_test(model, (X, y), loss_fn=F.cross_entropy, optimizer=opt, start_lr=0.0)
    with pytest.raises(ValueError, match="smoothing"):
        lr_range_test(model, (X, y), loss_fn=F.cross_entropy, optimizer=opt, smoothing=0)
    with pytest.raises(ValueError, match="diverge_factor"):
        lr_range_test(model, (X, y), loss_fn=F.cross_entropy, optimizer=opt,
                      diverge_factor=1.0)
    with pytest.raises(TypeError, match="optimizer"):
        lr_range_test(model, (X, y), loss_fn=F.cross_entropy, optimizer=None)
    with pytest.raises(ValueError, match="lrs and losses"):
        suggest_lr([1.0, 2.0], [0.5])
    with pytest.raises(ValueError, match="logits"):
        most_confident_errors(torch.zeros(3), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="k"):
        most_confident_errors(torch.zeros(3, 2), torch.zeros(3, dtype=torch.long), k=0)
