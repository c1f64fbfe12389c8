"""Contract examples for Part II, ``dlbook.training``, and its chapters' checks."""

import dataclasses

import torch
from torch import nn

from dlbook.training import activations as act

from . import Example, Propagates, checks_in, elementwise, merge, propagates

RECORD = "a plain record: its fields are stored as given"
TO_MODEL = "the data go to the reader's model and loss as they are"
BASE = "a base class: what it shares is fuzzed through its subclasses"
FILLED = {"nan": "its values are overwritten", "inf": "its values are overwritten",
          "shape:extra-dim": "a weight of any rank from 2 up has a fan-in and a fan-out"}
INF = {"inf": "an infinite input gives the function's value (or limit) there, as in torch"}


def _x():
    return torch.randn(3, 4, generator=torch.Generator().manual_seed(0))


STEP = {"x": {"nan": "a piecewise-linear function's derivative picks a piece at NaN, "
                    "as torch's backward does"}}
SLOPE = {"negative_slope": {"range:negative": "any slope is allowed; a negative one "
                                              "folds the negative inputs up"}}


def _activation(extra=None, accept=()):
    return Example(dict(x=_x(), **(extra or {})),
                   accept=merge(elementwise("x"), {"x": INF}, *accept))


def _module(extra=None, accept=()):
    return Example(dict(extra or {}), accept=merge(*accept), methods={"forward": _activation()})


def _params():
    return [torch.randn(3, requires_grad=True), torch.randn(2, 2, requires_grad=True)]


def _with_grads():
    params = _params()
    for p in params:
        p.grad = torch.ones_like(p)
    return params


def _optimizer_example(**hyper):
    def args():
        return dict(params=_with_grads(), **hyper)

    shared = torch.zeros(2, requires_grad=True)
    return Example(
        args,
        accept={"params": {
            "element:shape": "parameters of any shape can be optimised",
            "element:empty": "an empty parameter takes empty steps",
            "element:nan": "a parameter's values are the model's: a NaN stays NaN",
            "element:inf": "a parameter's values are the model's: an infinity stays"}},
        bad={"params": {
            "range:same-parameter-twice": [{"params": [shared]}, {"params": [shared]}],
            "dtype:int-parameter": [torch.zeros(3, dtype=torch.long)],
            "range:non-leaf": [torch.zeros(3, requires_grad=True) * 2],
        }},
        methods={"step": Example(dict(closure=lambda: torch.tensor(1.0))),
                 "zero_grad": Example(dict(set_to_none=False))})


def _minimal_adam_example():
    """The optimisers' example, for a class that takes a plain list and has no closure."""
    example = _optimizer_example(lr=0.1, betas=(0.9, 0.99), eps=1e-8)
    shared = torch.zeros(2, requires_grad=True)
    bad = {**example.bad["params"], "range:same-parameter-twice": [shared, shared]}
    return dataclasses.replace(example, bad={"params": bad}, methods={
        "step": Example(dict()), "zero_grad": Example(dict())})


def _scheduler(**hyper):
    def args():
        params = [torch.zeros(2, requires_grad=True)]
        return dict(optimizer=torch.optim.SGD(params, lr=0.1), **hyper)
    return Example(args)


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 3))


def _batch(n=12):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 3, generator=g), torch.arange(n) % 3


def _trained_model():
    model = _model()
    X, y = _batch()
    nn.functional.cross_entropy(model(X), y).backward()
    return model


EXAMPLES = {
    # --- activations -----------------------------------------------------------
    **{f"dlbook.training.activations.{name}": _activation()
       for name in ("sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "silu",
                    "silu_grad")},
    "dlbook.training.activations.relu_grad": _activation(accept=[STEP]),
    "dlbook.training.activations.leaky_relu": _activation(dict(negative_slope=0.1),
                                                          accept=[SLOPE]),
    "dlbook.training.activations.leaky_relu_grad": _activation(dict(negative_slope=0.1),
                                                               accept=[SLOPE, STEP]),
    "dlbook.training.activations.elu": _activation(dict(alpha=1.5)),
    "dlbook.training.activations.elu_grad": _activation(dict(alpha=1.5)),
    "dlbook.training.activations.gelu": _activation(dict(approximate="tanh")),
    "dlbook.training.activations.gelu_grad": _activation(dict(approximate="tanh")),
    "dlbook.training.activations.softplus": _activation(dict(beta=2.0)),
    "dlbook.training.activations.softplus_grad": _activation(dict(beta=2.0)),
    "dlbook.training.activations.apply_activation": Example(
        dict(x=_x(), f=act.relu, df=act.relu_grad), accept=elementwise("x")),
    "dlbook.training.activations.Activation": Example(record=BASE),
    **{f"dlbook.training.activations.{name}": _module()
       for name in ("Sigmoid", "Tanh", "ReLU", "SiLU")},
    "dlbook.training.activations.LeakyReLU": _module(dict(negative_slope=0.1),
                                                     accept=[SLOPE]),
    "dlbook.training.activations.ELU": _module(dict(alpha=1.5)),
    "dlbook.training.activations.GELU": _module(dict(approximate="tanh")),
    "dlbook.training.activations.Softplus": _module(dict(beta=2.0)),
    # --- initialisation --------------------------------------------------------
    "dlbook.training.init.fan_in_and_fan_out": Example(
        dict(tensor=torch.empty(4, 3, 2, 2)),
        accept={"tensor": {k: "only the shape of the tensor is read"
                           for k in ("shape:extra-dim", "empty", "nan", "inf", "dtype")}}),
    "dlbook.training.init.calculate_gain": Example(
        dict(nonlinearity="leaky_relu", param=0.2),
        accept={"param": {"range:negative": "a leaky ReLU may have a negative slope"}}),
    "dlbook.training.init.xavier_std": Example(dict(fan_in=3, fan_out=4, gain=1.0)),
    "dlbook.training.init.kaiming_std": Example(dict(fan=3, gain=2.0)),
    "dlbook.training.init.xavier_uniform_": Example(
        dict(tensor=torch.empty(4, 3), gain=1.0, generator=torch.Generator()),
        accept={"tensor": FILLED}),
    "dlbook.training.init.xavier_normal_": Example(
        dict(tensor=torch.empty(4, 3), gain=1.0, generator=torch.Generator()),
        accept={"tensor": FILLED}),
    "dlbook.training.init.kaiming_uniform_": Example(
        dict(tensor=torch.empty(4, 3), a=0.1, mode="fan_out", nonlinearity="leaky_relu",
             generator=torch.Generator()),
        accept={"tensor": FILLED,
                "a": {"range:negative": "a leaky ReLU may have a negative slope"}}),
    "dlbook.training.init.kaiming_normal_": Example(
        dict(tensor=torch.empty(4, 3), a=0.1, mode="fan_in", nonlinearity="relu",
             generator=torch.Generator()),
        accept={"tensor": FILLED,
                "a": {"range:negative": "a leaky ReLU may have a negative slope"}}),
    # --- optimisers and schedules ----------------------------------------------
    "dlbook.training.optim.Optimizer": Example(record=BASE),
    "dlbook.training.optim.SGD": _optimizer_example(
        lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.01, nesterov=True),
    "dlbook.training.optim.Adagrad": _optimizer_example(
        lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-10),
    "dlbook.training.optim.RMSprop": _optimizer_example(
        lr=0.1, alpha=0.9, eps=1e-8, weight_decay=0.01, momentum=0.5, centered=True),
    "dlbook.training.optim.Adam": _optimizer_example(
        lr=0.1, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01, amsgrad=True,
        decoupled_weight_decay=True),
    "dlbook.training.optim.AdamW": _optimizer_example(
        lr=0.1, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01, amsgrad=False),
    "dlbook.training.optim.MinimalAdam": _minimal_adam_example(),
    "dlbook.training.optim.LRScheduler": Example(record=BASE),
    "dlbook.training.optim.StepLR": _scheduler(step_size=2, gamma=0.5),
    "dlbook.training.optim.cosine_factor": Example(
        dict(progress=0.3), accept={"progress": {"range": "the cosine goes on beyond 0 and 1, "
                                                          "as torch's schedule does"}}),
    "dlbook.training.optim.CosineAnnealingLR": _scheduler(T_max=10, eta_min=0.01),
    "dlbook.training.optim.WarmupCosineLR": _scheduler(
        warmup_steps=2, total_steps=10, start_factor=0.1, eta_min=0.01),
    "dlbook.training.optim.trajectory": Example(
        dict(loss_fn=lambda p: (p ** 2).sum(), start=[1.0, -1.0],
             make_optimizer=lambda params: torch.optim.SGD(params, lr=0.1), steps=3),
        accept={"start": {"element:range": "any point of the plane is a start"}}),
    # --- regularisation and normalisation --------------------------------------
    "dlbook.training.regularization.dropout": Example(
        dict(x=_x(), p=0.3, training=True, generator=torch.Generator()),
        accept=elementwise("x")),
    "dlbook.training.regularization.Dropout": Example(
        dict(p=0.3, generator=torch.Generator()),
        methods={"forward": Example(dict(x=_x()), accept=elementwise("x"))}),
    "dlbook.training.regularization.l2_penalty": Example(
        dict(params=[torch.ones(2), torch.ones(2, 2)], weight_decay=0.1),
        accept={"params": {"element:shape": "parameters of any shape are penalised",
                           "element:empty": "an empty parameter adds nothing",
                           "element:length": "parameters of any shape are penalised",
                           "element:nan": Propagates("a NaN parameter gives a NaN penalty"),
                           "element:inf": "an infinite parameter gives an infinite penalty"}}),
    "dlbook.training.normalization.BatchNorm1d": Example(
        dict(num_features=4, eps=1e-5, momentum=0.1, affine=True),
        accept={"momentum": {"type:None": "None keeps a cumulative average, as in torch"}},
        methods={"forward": Example(dict(x=_x()), accept=propagates("x"))}),
    "dlbook.training.normalization.BatchNorm2d": Example(
        dict(num_features=2, eps=1e-5, momentum=None, affine=False),
        methods={"forward": Example(dict(x=torch.randn(2, 2, 3, 3)),
                                    accept=propagates("x"))}),
    "dlbook.training.normalization.LayerNorm": Example(
        dict(normalized_shape=4, eps=1e-5, elementwise_affine=True, bias=True),
        methods={"forward": Example(dict(x=_x()), accept=merge(propagates("x"), {"x": {
            "shape:extra-dim": "any leading dimensions: each row is normalised alone",
            "empty": "zero rows give zero rows"}}))}),
    # --- diagnostics -----------------------------------------------------------
    "dlbook.training.diagnostics.InitialLoss": Example(record=RECORD),
    "dlbook.training.diagnostics.RangeTest": Example(record=RECORD),
    "dlbook.training.diagnostics.ConfidentErrors": Example(record=RECORD),
    "dlbook.training.diagnostics.initial_loss_check": Example(
        lambda: dict(model=_model(), X=_batch()[0], y=_batch()[1], num_classes=3,
                     loss_fn=nn.functional.cross_entropy),
        accept=merge(propagates("X"), {"X": {"dtype": TO_MODEL}})),
    "dlbook.training.diagnostics.overfit_one_batch": Example(
        lambda: dict(model=_model(), X=_batch()[0], y=_batch()[1],
                     loss_fn=nn.functional.cross_entropy, lr=0.01, steps=3),
        accept=merge(propagates("X"), {"X": {"dtype": TO_MODEL}})),
    "dlbook.training.diagnostics.lr_range_test": Example(
        lambda: (lambda m: dict(
            model=m, train_data=_batch(24), loss_fn=nn.functional.cross_entropy,
            optimizer=torch.optim.SGD(m.parameters(), lr=0.1), start_lr=1e-4, end_lr=1.0,
            steps=4, batch_size=8, smoothing=0.5, diverge_factor=4.0, seed=0))(_model()),
        accept={"train_data": {"element:dtype": TO_MODEL, **{k: (
            "a non-finite loss ends the test, and raises if it comes on the first batch")
            for k in ("element:nan", "element:inf")}}}),
    "dlbook.training.diagnostics.suggest_lr": Example(
        dict(lrs=[0.01, 0.1, 1.0], losses=[2.0, 1.0, 3.0], divide_by=10.0),
        accept={"losses": {"element:range": "a loss may be negative (a log-likelihood)"}}),
    "dlbook.training.diagnostics.gradient_norms": Example(lambda: dict(model=_trained_model())),
    "dlbook.training.diagnostics.parameter_snapshot": Example(lambda: dict(model=_model())),
    "dlbook.training.diagnostics.update_ratios": Example(
        lambda: (lambda m: dict(model=m, before={k: v + 0.1 for k, v in
                                                 m.state_dict().items()}))(_model())),
    "dlbook.training.diagnostics.most_confident_errors": Example(
        dict(logits=torch.randn(6, 3, generator=torch.Generator().manual_seed(1)),
             y=torch.arange(6) % 3, k=2)),
}

EXAMPLES.update(checks_in(*(f"dlbook.checks.{chapter}" for chapter in (
    "activations_init", "optimization", "regularization", "normalization",
    "practical_training"))))
