"""The book's optimisers and schedulers against torch.optim (chapter *Optimization*)."""

import math
import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.training import optim as mine

STEPS = 100


def _problem(seed: int = 0):
    """A small tanh network and a regression loss, in float64."""
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(32, 5, generator=gen, dtype=torch.float64)
    y = torch.randn(32, 1, generator=gen, dtype=torch.float64)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(),
                              torch.nn.Linear(8, 1)).double()
    return net, X, y


def _trajectory(optimizer_cls, seed=0, steps=STEPS, groups=False, **hyper):
    net, X, y = _problem(seed)
    if groups:  # biases in their own group, without weight decay
        weights = [p for n, p in net.named_parameters() if n.endswith("weight")]
        biases = [p for n, p in net.named_parameters() if n.endswith("bias")]
        params = [{"params": weights}, {"params": biases, "weight_decay": 0.0}]
    else:
        params = net.parameters()
    opt = optimizer_cls(params, **hyper)
    points = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((net(X) - y) ** 2).mean()
        loss.backward()
        opt.step()
        points.append(torch.cat([p.detach().flatten() for p in net.parameters()]))
    return torch.stack(points)


def _assert_same_trajectory(name, groups=False, seed=0, **hyper):
    ours = _trajectory(getattr(mine, name), seed=seed, groups=groups, **hyper)
    ref = _trajectory(getattr(torch.optim, name), seed=seed, groups=groups, **hyper)
    # The parameters must actually move, or the comparison would prove nothing.
    assert (ref[-1] - ref[0]).abs().max() > 1e-3
    torch.testing.assert_close(ours, ref, atol=1e-12, rtol=1e-10)


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.05)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1,
                     initial_accumulator_value=0.1, eps=1e-8)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.003, alpha=0.9, eps=1e-6, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.003, momentum=0.9)),
    ("RMSprop", dict(lr=0.003, momentum=0.5, centered=True, weight_decay=0.1)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.3, amsgrad=True)),
]


@pytest.mark.parametrize("name,hyper", CASES, ids=[f"{n}-{h}" for n, h in CASES])
def test_same_trajectory_as_torch(name, hyper):
    _assert_same_trajectory(name, **hyper)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_parameter_groups_match_torch(name):
    hyper = dict(lr=0.01, weight_decay=0.1)
    if name == "SGD":
        hyper["momentum"] = 0.9
    _assert_same_trajectory(name, groups=True, **hyper)


@settings(max_examples=10, deadline=None)
@given(lr=st.floats(1e-4, 0.05), beta1=st.floats(0.0, 0.99), beta2=st.floats(0.5, 0.9999),
       wd=st.floats(0.0, 0.5), decoupled=st.booleans(), seed=st.integers(0, 100))
def test_adam_any_hyperparameters(lr, beta1, beta2, wd, decoupled, seed):
    _assert_same_trajectory("Adam", seed=seed, lr=lr, betas=(beta1, beta2),
                            weight_decay=wd, decoupled_weight_decay=decoupled)


@settings(max_examples=10, deadline=None)
@given(lr=st.floats(1e-3, 0.1), momentum=st.floats(0.0, 0.95), nesterov=st.booleans(),
       wd=st.floats(0.0, 0.1), seed=st.integers(0, 100))
def test_sgd_any_hyperparameters(lr, momentum, nesterov, wd, seed):
    nesterov = nesterov and momentum > 0
    _assert_same_trajectory("SGD", seed=seed, lr=lr, momentum=momentum,
                            nesterov=nesterov, weight_decay=wd)


def test_defaults_match_torch():
    import inspect

    for name in ("SGD", "Adagrad", "RMSprop", "Adam", "AdamW"):
        ours = inspect.signature(getattr(mine, name)).parameters
        ref = inspect.signature(getattr(torch.optim, name)).parameters
        for arg, param in ours.items():
            if arg == "params":
                continue
            assert arg in ref, f"{name}.{arg} is not a torch.optim argument"
            assert param.default == ref[arg].default, f"{name}.{arg} default differs"


def test_zero_grad_and_skipped_parameters():
    a = torch.ones(3, requires_grad=True)
    b = torch.ones(3, requires_grad=True)
    opt = mine.SGD([a, b], lr=0.5)
    (2 * a).sum().backward()  # b gets no gradient and must not move
    opt.step()
    assert torch.equal(a.detach(), torch.zeros(3))
    assert torch.equal(b.detach(), torch.ones(3))
    opt.zero_grad(set_to_none=False)
    assert torch.equal(a.grad, torch.zeros(3))
    opt.zero_grad()
    assert a.grad is None


def test_step_with_closure_returns_loss():
    w = torch.tensor([1.0], requires_grad=True)
    opt = mine.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w ** 2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == pytest.approx(1.0)
    assert w.item() == pytest.approx(0.8)


@pytest.mark.parametrize("make,arg", [
    (lambda p: mine.SGD(p, lr=-0.1), "lr"),
    (lambda p: mine.SGD(p, lr=0.1, momentum=-0.5), "momentum"),
    (lambda p: mine.SGD(p, lr=0.1, momentum=1.0), "momentum"),
    (lambda p: mine.SGD(p, lr=0.1, nesterov=True), "nesterov"),
    (lambda p: mine.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "nesterov"),
    (lambda p: mine.SGD(p, lr=0.1, weight_decay=-1.0), "weight_decay"),
    (lambda p: mine.SGD(p, lr=0.1, dampening=2.0), "dampening"),
    (lambda p: mine.SGD(p, lr=float("nan")), "lr"),
    (lambda p: mine.Adam(p, lr=-1e-3), "lr"),
    (lambda p: mine.Adam(p, betas=(1.0, 0.999)), "betas"),
    (lambda p: mine.Adam(p, betas=(0.9, 1.0)), "betas"),
    (lambda p: mine.Adam(p, betas=(-0.1, 0.999)), "betas"),
    (lambda p: mine.Adam(p, eps=0.0), "eps"),
    (lambda p: mine.Adam(p, eps=-1e-8), "eps"),
    (lambda p: mine.Adam(p, weight_decay=-0.1), "weight_decay"),
    (lambda p: mine.AdamW(p, betas=(0.9, 1.5)), "betas"),
    (lambda p: mine.AdamW(p, eps=0.0), "eps"),
    (lambda p: mine.RMSprop(p, alpha=1.0), "alpha"),
    (lambda p: mine.RMSprop(p, alpha=-0.1), "alpha"),
    (lambda p: mine.RMSprop(p, eps=0.0), "eps"),
    (lambda p: mine.RMSprop(p, momentum=-0.1), "momentum"),
    (lambda p: mine.RMSprop(p, lr=-0.1), "lr"),
    (lambda p: mine.Adagrad(p, lr=-0.1), "lr"),
    (lambda p: mine.Adagrad(p, eps=0.0), "eps"),
    (lambda p: mine.Adagrad(p, lr_decay=-1.0), "lr_decay"),
    (lambda p: mine.SGD([{"params": p, "lr": -1.0}], lr=0.1), "lr"),
])
def test_bad_hyperparameters_raise_value_error(make, arg):
    with pytest.raises(ValueError, match=arg):
        make([torch.zeros(2, requires_grad=True)])


@pytest.mark.parametrize("make,arg", [
    (lambda p: mine.SGD(p, lr="0.1"), "lr"),
    (lambda p: mine.SGD(p, lr=0.1, momentum=0.9, nesterov=1), "nesterov"),
    (lambda p: mine.Adam(p, betas=0.9), "betas"),
    (lambda p: mine.Adam(p, amsgrad="no"), "amsgrad"),
    (lambda p: mine.RMSprop(p, centered=None), "centered"),
])
def test_bad_types_raise_type_error(make, arg):
    with pytest.raises(TypeError, match=arg):
        make([torch.zeros(2, requires_grad=True)])


def test_bad_params():
    with pytest.raises(TypeError, match="params"):
        mine.SGD(torch.zeros(2, requires_grad=True), lr=0.1)
    with pytest.raises(ValueError, match="params"):
        mine.Adam([])
    with pytest.raises(TypeError, match="params"):
        mine.Adam([1.0, 2.0])


# ----- learning-rate schedules ---------------------------------------------------

def _lrs(make, steps, optimizer_cls=torch.optim.SGD):
    w = torch.zeros(2, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = optimizer_cls([{"params": [w]}, {"params": [b], "lr": 0.05}], lr=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about SequentialLR internals
        sched = make(opt)
        rates = [sched.get_last_lr()]
        for _ in range(steps):
            opt.step()
            sched.step()
            rates.append(sched.get_last_lr())
    assert [g["lr"] for g in opt.param_groups] == rates[-1]
    return torch.tensor(rates, dtype=torch.float64)


@pytest.mark.parametrize("optimizer_cls", [torch.optim.SGD, mine.SGD])
@pytest.mark.parametrize("step_size,gamma", [(1, 0.9), (7, 0.5), (10, 0.1)])
def test_step_lr_matches_torch(optimizer_cls, step_size, gamma):
    ours = _lrs(lambda o: mine.StepLR(o, step_size, gamma), 60, optimizer_cls)
    ref = _lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size, gamma), 60)
    torch.testing.assert_close(ours, ref, atol=1e-14, rtol=1e-12)


@pytest.mark.parametrize("optimizer_cls", [torch.optim.SGD, mine.Adam])
@pytest.mark.parametrize("T_max,eta_min", [(1, 0.0), (10, 0.0), (25, 0.01), (100, 1e-4)])
def test_cosine_annealing_matches_torch(optimizer_cls, T_max, eta_min):
    ours = _lrs(lambda o: mine.CosineAnnealingLR(o, T_max, eta_min), 2 * T_max + 5,
                optimizer_cls)
    ref = _lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max, eta_min),
               2 * T_max + 5)
    torch.testing.assert_close(ours, ref, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("warmup,total,start,eta_min",
                         [(5, 40, 0.2, 0.0), (1, 10, 0.5, 0.0), (10, 100, 0.01, 1e-3)])
def test_warmup_cosine_matches_torch_sequential(warmup, total, start, eta_min):
    from torch.optim import lr_scheduler as S

    ours = _lrs(lambda o: mine.WarmupCosineLR(o, warmup, total, start, eta_min), total)

    def reference(o):
        return S.SequentialLR(o, [S.LinearLR(o, start, 1.0, warmup),
                                  S.CosineAnnealingLR(o, total - warmup, eta_min)],
                              [warmup])

    torch.testing.assert_close(ours, _lrs(reference, total), atol=1e-12, rtol=1e-10)


def test_warmup_cosine_shape():
    rates = _lrs(lambda o: mine.WarmupCosineLR(o, 4, 20, 0.0), 30)[:, 0]
    assert rates[0] == 0.0
    assert rates[4] == pytest.approx(0.5)
    assert bool((rates[:5].diff() > 0).all()) and bool((rates[4:21].diff() < 0).all())
    assert rates[20:].abs().max() < 1e-15  # stays at eta_min after the end
    assert mine.cosine_factor(0.5) == pytest.approx(0.5)
    assert mine.cosine_factor(1.0) == pytest.approx(0.0, abs=1e-15)
    assert math.isclose(mine.cosine_factor(0.0), 1.0)


def test_scheduler_bad_inputs():
    opt = mine.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="step_size"):
        mine.StepLR(opt, 0)
    with pytest.raises(ValueError, match="gamma"):
        mine.StepLR(opt, 3, gamma=-0.5)
    with pytest.raises(ValueError, match="T_max"):
        mine.CosineAnnealingLR(opt, 0)
    with pytest.raises(ValueError, match="eta_min"):
        mine.CosineAnnealingLR(opt, 10, eta_min=-1.0)
    with pytest.raises(ValueError, match="total_steps"):
        mine.WarmupCosineLR(opt, 10, 10)
    with pytest.raises(ValueError, match="start_factor"):
        mine.WarmupCosineLR(opt, 2, 10, start_factor=2.0)
    with pytest.raises(TypeError, match="optimizer"):
        mine.StepLR("sgd", 3)


@pytest.mark.parametrize("hyper", [dict(), dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)])
def test_minimal_adam_matches_torch_step_for_step(hyper):
    """The ten-line Adam follows torch.optim.Adam's trajectory up to rounding."""
    ours = _trajectory(mine.MinimalAdam, **hyper)
    ref = _trajectory(torch.optim.Adam, **hyper)
    assert (ref[-1] - ref[0]).abs().max() > 1e-3
    torch.testing.assert_close(ours, ref, atol=1e-12, rtol=1e-10)


def test_minimal_adam_skips_parameters_without_gradient_and_checks_arguments():
    a, b = torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)
    opt = mine.MinimalAdam([a, b], lr=0.1)
    a.grad = torch.tensor([1.0, -2.0])
    opt.step()
    # The first step moves each coordinate by lr against the sign of its gradient.
    torch.testing.assert_close(a.detach(), torch.tensor([0.9, 1.1]))
    assert torch.equal(b.detach(), torch.ones(3))
    opt.zero_grad()
    assert a.grad is None
    with pytest.raises(ValueError, match="lr"):
        mine.MinimalAdam([a], lr=-1.0)
    with pytest.raises(TypeError, match="betas"):
        mine.MinimalAdam([a], betas=0.9)
    with pytest.raises(ValueError, match="eps"):
        mine.MinimalAdam([a], eps=0.0)
    with pytest.raises(TypeError, match="params"):
        mine.MinimalAdam(a)
    with pytest.raises(ValueError, match="params"):
        mine.MinimalAdam([])
