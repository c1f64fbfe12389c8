"""The checks of the chapter *Self-supervised learning* pass right answers and name
the usual mistakes."""

import torch
import torch.nn.functional as F

from dlbook.checks.self_supervised import check_nt_xent, check_uniformity


def nt_xent(z1, z2, tau, *, normalize=True, drop_self=True, reduce="mean", one_way=False,
            use_tau=True):
    n = len(z1)
    tau = tau if use_tau else 1.0
    if one_way:
        logits = F.normalize(z1, dim=1) @ F.normalize(z2, dim=1).T / tau
        return F.cross_entropy(logits, torch.arange(n))
    z = torch.cat([z1, z2])
    z = F.normalize(z, dim=1) if normalize else z
    logits = z @ z.T / tau
    if drop_self:
        logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    return F.cross_entropy(logits, torch.cat([torch.arange(n, 2 * n), torch.arange(n)]),
                           reduction=reduce)


def test_check_nt_xent():
    assert check_nt_xent(nt_xent).passed
    assert check_nt_xent(lambda *a: float(nt_xent(*a))).passed
    assert check_nt_xent(lambda a, b, t: nt_xent(b, a, t)).passed  # symmetric
    result = check_nt_xent(lambda *a: nt_xent(*a, normalize=False))
    assert not result and "lengths" in result.message
    result = check_nt_xent(lambda *a: nt_xent(*a, drop_self=False))
    assert not result and "itself" in result.message
    result = check_nt_xent(lambda *a: nt_xent(*a, one_way=True))
    assert not result and "anchors" in result.message
    result = check_nt_xent(lambda *a: nt_xent(*a, reduce="sum"))
    assert not result and "summing" in result.hint
    result = check_nt_xent(lambda *a: nt_xent(*a, use_tau=False))
    assert not result and "temperature" in result.message
    result = check_nt_xent(lambda *a: nt_xent(*a, reduce="none"))
    assert not result and "one number" in result.message
    assert not check_nt_xent(lambda *a: nt_xent(*a) + 0.1)


def uniformity(z, t, *, normalize=True, squared=True, distinct=True, log=True):
    z = F.normalize(z, dim=1) if normalize else z
    d = torch.cdist(z, z)
    if distinct:
        i, j = torch.triu_indices(len(z), len(z), offset=1)
        d = d[i, j]
    d = d ** 2 if squared else d
    mean = torch.exp(-t * d).mean()
    return mean.log() if log else mean


def test_check_uniformity():
    assert check_uniformity(uniformity).passed
    assert check_uniformity(lambda z, t: uniformity(z, t).item()).passed
    result = check_uniformity(lambda *a: uniformity(*a, distinct=False))
    assert not result and "itself" in result.message
    result = check_uniformity(lambda *a: uniformity(*a, squared=False))
    assert not result and "squared" in result.message
    result = check_uniformity(lambda *a: uniformity(*a, normalize=False))
    assert not result and "normalised" in result.message
    result = check_uniformity(lambda *a: uniformity(*a, log=False))
    assert not result and "log" in result.message
