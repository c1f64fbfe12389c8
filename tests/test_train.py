import pytest
import torch
from torch import nn

from dlbook.data import make_toy2d
from dlbook.runtime import seed_everything
from dlbook.train import History, accuracy, evaluate, fit, make_loader, predict


def _problem():
    seed_everything(0)
    X, y = make_toy2d("blobs", 300, classes=3, seed=0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    return model, (X[:200], y[:200]), (X[200:], y[200:])


def test_fit_learns_and_records_history(capsys):
    model, train, val = _problem()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    hist = fit(model, train, loss_fn=nn.functional.cross_entropy, optimizer=opt,
               epochs=15, val_data=val, metrics={"accuracy": accuracy}, progress=False)
    assert len(hist) == 15 and hist["epoch"] == list(range(1, 16))
    assert hist["train_loss"][-1] < hist["train_loss"][0]
    assert hist["val_accuracy"][-1] > 0.9
    assert "15 epochs" in capsys.readouterr().out
    # evaluate agrees with the last recorded validation numbers
    again = evaluate(model, val, nn.functional.cross_entropy, metrics={"accuracy": accuracy})
    assert again["accuracy"] == pytest.approx(hist["val_accuracy"][-1])
    fig = hist.plot()
    assert len(fig.axes) == 2


def test_fit_is_deterministic_for_a_seed():
    results = []
    for _ in range(2):
        model, train, val = _problem()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        fit(model, train, loss_fn=nn.functional.cross_entropy, optimizer=opt, epochs=3,
            progress=False, verbose=False, seed=5)
        results.append(torch.cat([p.flatten() for p in model.parameters()]))
    assert torch.equal(*results)


def test_early_stopping_restores_best_weights():
    model, train, val = _problem()
    opt = torch.optim.SGD(model.parameters(), lr=2.0)  # too large: val loss wanders
    hist = fit(model, train, loss_fn=nn.functional.cross_entropy, optimizer=opt,
               epochs=40, val_data=val, patience=2, progress=False, verbose=False)
    best = min(hist["val_loss"])
    assert hist["val_loss"][hist.best_epoch - 1] == best
    now = evaluate(model, val, nn.functional.cross_entropy)["loss"]
    assert now == pytest.approx(best, rel=1e-5)
    if hist.stopped_early:
        assert len(hist) == hist.best_epoch + 2


def test_summary_quotes_the_best_epoch_as_well_as_the_last():
    hist = History(records=[{"epoch": 1, "val_loss": 0.5}, {"epoch": 2, "val_loss": 0.25},
                            {"epoch": 3, "val_loss": 0.75}], best_epoch=2)
    assert hist.summary() == ("3 epochs in 0.0 s: val_loss 0.75; "
                              "best epoch 2: val_loss 0.25")
    hist.best_epoch = None
    assert hist.summary() == "3 epochs in 0.0 s: val_loss 0.75"


def test_scheduler_steps_per_epoch_and_per_batch():
    for step, expected in (("epoch", 3), ("batch", 3 * 4)):
        model, train, _ = _problem()
        opt = torch.optim.SGD(model.parameters(), lr=1.0)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        fit(model, train, loss_fn=nn.functional.cross_entropy, optimizer=opt, epochs=3,
            batch_size=50, scheduler=sched, scheduler_step=step, progress=False,
            verbose=False)
        assert opt.param_groups[0]["lr"] == pytest.approx(0.5 ** expected)


def test_predict_and_make_loader():
    model, train, _ = _problem()
    out = predict(model, train[0], batch_size=64)
    assert out.shape == (200, 3) and not out.requires_grad
    loader = make_loader(train, 32)
    assert len(loader) == 7 and make_loader(loader) is loader


def test_history_unknown_key():
    with pytest.raises(KeyError, match="val_loss"):
        History()["val_loss"]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"model": "net"}, TypeError, "model"), ({"loss_fn": 3}, TypeError, "loss_fn"),
    ({"optimizer": object()}, TypeError, "optimizer"), ({"epochs": 0}, ValueError, "epochs"),
    ({"batch_size": 0}, ValueError, "batch_size"), ({"patience": 2}, ValueError, "val_data"),
    ({"scheduler_step": "step"}, ValueError, "scheduler_step"),
    ({"clip_grad_norm": -1.0}, ValueError, "clip_grad_norm"),
    ({"train_data": [1, 2, 3]}, TypeError, "data"),
])
def test_fit_bad_input(kwargs, error, match):
    model, train, _ = _problem()
    args = dict(model=model, train_data=train, loss_fn=nn.functional.cross_entropy,
                optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=1,
                progress=False, verbose=False)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        fit(args.pop("model"), args.pop("train_data"), **args)


def test_accuracy_and_loader_bad_input():
    with pytest.raises(ValueError, match="logits"):
        accuracy(torch.zeros(3), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="y"):
        accuracy(torch.zeros(3, 2), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="data"):
        make_loader((torch.zeros(3, 2), torch.zeros(4)))


def test_tensor_pair_loader_gives_the_same_batches_as_a_plain_dataloader():
    from torch.utils.data import DataLoader, TensorDataset

    X, y = torch.arange(50.0).reshape(25, 2), torch.arange(25)
    fast = list(make_loader((X, y), 4, shuffle=True, seed=3))
    plain = list(DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True,
                            generator=torch.Generator().manual_seed(3)))
    assert len(fast) == len(plain) == 7
    for (a, b), (c, d) in zip(fast, plain):
        assert torch.equal(a, c) and torch.equal(b, d)
