"""Tests of dlbook.rl.dqn: the replay memory's sampling, the batched Q-networks
against torch.nn layers, the DQN and double-DQN targets against hand-computed
cases, and the loss."""

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from dlbook.rl.dqn import (QNetworks, ReplayBuffer, Transitions, double_dqn_targets,
                           dqn_targets, td_loss)


def _add(buffer, values, keep=None):
    """Add transitions whose every field encodes the number v (agents, n)."""
    v = values.float()
    buffer.add(v[..., None].expand(*v.shape, 3).clone(), values.long(), v, v[..., None]
               .expand(*v.shape, 3) + 0.5, (values % 2 == 0), keep)


# --- the replay memory -------------------------------------------------------------

def test_sampling_keeps_each_transition_whole_and_agents_apart():
    buffer = ReplayBuffer(agents=2, capacity=50, obs_dim=3)
    for t in range(10):
        _add(buffer, torch.tensor([[t, 100 + t], [200 + t, 300 + t]]).T.clone())
    batch = buffer.sample(500, torch.Generator().manual_seed(0))
    assert isinstance(batch, Transitions)
    v = batch.rewards
    assert torch.equal(batch.obs, v[..., None].expand(-1, -1, 3))      # same transition
    assert torch.equal(batch.next_obs, v[..., None].expand(-1, -1, 3) + 0.5)
    assert torch.equal(batch.actions, v.long())
    assert torch.equal(batch.terminated, v.long() % 2 == 0)
    assert bool((v[0] % 100 < 10).all()) and set(v[0].div(100).long().tolist()) == {0, 2}
    assert set(v[1].div(100).long().tolist()) == {1, 3}                 # agent 1's own


def test_sampling_is_uniform_over_the_stored_transitions():
    buffer = ReplayBuffer(agents=1, capacity=8, obs_dim=3)
    for t in range(8):
        _add(buffer, torch.tensor([[t]]))
    values = buffer.sample(80_000, torch.Generator().manual_seed(1)).rewards.long()
    counts = torch.bincount(values.ravel(), minlength=8).double()
    chi2 = ((counts - 10_000) ** 2 / 10_000).sum()
    assert chi2 < 24.3                       # chi-square, 7 degrees of freedom, p = 0.001


def test_a_full_memory_overwrites_its_oldest_transitions():
    buffer = ReplayBuffer(agents=2, capacity=[4, 6], obs_dim=3)
    for t in range(10):
        _add(buffer, torch.tensor([[t], [t]]))
    assert buffer.size.tolist() == [4, 6]
    values = buffer.sample(2_000, torch.Generator().manual_seed(2)).rewards.long()
    assert set(values[0].tolist()) == {6, 7, 8, 9}
    assert set(values[1].tolist()) == {4, 5, 6, 7, 8, 9}


def test_several_transitions_per_add_and_keep():
    buffer = ReplayBuffer(agents=2, capacity=5, obs_dim=3)
    keep = torch.tensor([[True, False, True], [False, False, True]])
    _add(buffer, torch.tensor([[1, 2, 3], [4, 5, 6]]), keep)
    _add(buffer, torch.tensor([[7, 8, 9], [10, 11, 12]]))
    assert buffer.size.tolist() == [5, 4]
    assert sorted(buffer.rewards[0].long().tolist()) == [1, 3, 7, 8, 9]
    assert sorted(buffer.rewards[1, :4].long().tolist()) == [6, 10, 11, 12]
    _add(buffer, torch.tensor([[13, 14, 15], [16, 17, 18]]))          # wraps
    assert sorted(buffer.rewards[0].long().tolist()) == [8, 9, 13, 14, 15]
    assert sorted(buffer.rewards[1].long().tolist()) == [11, 12, 16, 17, 18]


def test_buffer_bad_input():
    with pytest.raises(ValueError, match="capacity"):
        ReplayBuffer(agents=2, capacity=[3], obs_dim=2)
    with pytest.raises(TypeError, match="agents"):
        ReplayBuffer(agents=2.0, capacity=3, obs_dim=2)
    buffer = ReplayBuffer(agents=2, capacity=3, obs_dim=2)
    with pytest.raises(ValueError, match="sample"):
        buffer.sample(4)
    obs = torch.zeros(2, 1, 2)
    good = dict(obs=obs, actions=torch.zeros(2, 1, dtype=torch.long),
                rewards=torch.zeros(2, 1), next_obs=obs,
                terminated=torch.zeros(2, 1, dtype=torch.bool))
    with pytest.raises(ValueError, match="next_obs"):
        buffer.add(**{**good, "next_obs": torch.zeros(2, 1, 3)})
    with pytest.raises(TypeError, match="terminated"):
        buffer.add(**{**good, "terminated": torch.zeros(2, 1)})
    with pytest.raises(TypeError, match="actions"):
        buffer.add(**{**good, "actions": torch.zeros(2, 1)})
    with pytest.raises(ValueError, match="obs"):
        buffer.add(**{**good, "obs": torch.zeros(2, 4, 2), "next_obs": torch.zeros(2, 4, 2)})
    buffer.add(**good)
    with pytest.raises(ValueError, match="batch_size"):
        buffer.sample(0)


# --- the Q-networks ----------------------------------------------------------------

def test_q_networks_match_nn_linear_layers_values_and_gradients():
    torch.manual_seed(0)
    nets = QNetworks(agents=3, obs_dim=4, actions=2, hidden=(5, 6))
    obs = torch.randn(3, 7, 4)
    out = nets(obs)
    assert out.shape == (3, 7, 2)
    out.square().sum().backward()
    for k in range(3):
        layers = []
        for W, b in zip(nets.weights, nets.biases):
            layer = nn.Linear(W.shape[2], W.shape[1])
            with torch.no_grad():
                layer.weight.copy_(W[k])
                layer.bias.copy_(b[k, 0])
            layers += [layer, nn.ReLU()]
        mlp = nn.Sequential(*layers[:-1])
        ref = mlp(obs[k])
        torch.testing.assert_close(out[k], ref)
        ref.square().sum().backward()
        for W, b, layer in zip(nets.weights, nets.biases, mlp[::2]):
            torch.testing.assert_close(W.grad[k], layer.weight.grad)
            torch.testing.assert_close(b.grad[k, 0], layer.bias.grad)


def test_q_networks_keep_agents_apart():
    torch.manual_seed(1)
    nets = QNetworks(agents=2, obs_dim=3, actions=2)
    obs = torch.randn(2, 5, 3)
    nets(obs)[0].sum().backward()
    assert all(float(W.grad[1].abs().sum()) == 0.0 for W in nets.weights)
    with pytest.raises(ValueError, match="obs"):
        nets(torch.randn(3, 5, 3))
    with pytest.raises(TypeError, match="hidden"):
        QNetworks(agents=2, obs_dim=3, actions=2, hidden=(4.5,))


# --- the targets --------------------------------------------------------------------

def test_dqn_targets_by_hand_terminal_and_truncated():
    rewards = torch.tensor([1.0, 1.0, 0.5])
    next_q = torch.tensor([[2.0, 3.0], [2.0, 3.0], [-1.0, -4.0]])
    terminated = torch.tensor([False, True, False])   # the third may be truncated:
    got = dqn_targets(rewards, next_q, terminated, 0.9)  # it bootstraps all the same
    torch.testing.assert_close(got, torch.tensor([1 + 0.9 * 3, 1.0, 0.5 - 0.9]))


def test_double_dqn_chooses_with_online_and_values_with_target():
    rewards = torch.tensor([[0.0, 1.0]])
    online = torch.tensor([[[5.0, 1.0], [0.0, 2.0]]])   # online prefers 0, then 1
    target = torch.tensor([[[1.0, 10.0], [7.0, 3.0]]])  # target prefers 1, then 0
    terminated = torch.tensor([[False, False]])
    got = double_dqn_targets(rewards, online, target, terminated, 0.5)
    torch.testing.assert_close(got, torch.tensor([[0.5 * 1.0, 1 + 0.5 * 3.0]]))
    plain = dqn_targets(rewards, target, terminated, 0.5)
    torch.testing.assert_close(plain, torch.tensor([[5.0, 1 + 3.5]]))
    done = double_dqn_targets(rewards, online, target, torch.tensor([[True, True]]), 0.5)
    torch.testing.assert_close(done, rewards)


def test_targets_bad_input():
    r, q, t = torch.zeros(3), torch.zeros(3, 2), torch.zeros(3, dtype=torch.bool)
    with pytest.raises(TypeError, match="terminated"):
        dqn_targets(r, q, t.float(), 0.9)
    with pytest.raises(ValueError, match="next_q_target"):
        dqn_targets(r, torch.zeros(4, 2), t, 0.9)
    with pytest.raises(ValueError, match="gamma"):
        dqn_targets(r, q, t, 1.5)
    with pytest.raises(ValueError, match="next_q_online"):
        double_dqn_targets(r, torch.zeros(3), q, t, 0.9)


# --- the loss -------------------------------------------------------------------------

def test_td_loss_is_huber_per_agent_summed_and_targets_are_constants():
    torch.manual_seed(2)
    q = torch.randn(2, 5, 3, requires_grad=True)
    actions = torch.randint(0, 3, (2, 5))
    targets = (torch.randn(2, 5) * 3).requires_grad_()
    loss = td_loss(q, actions, targets)
    taken = q.gather(-1, actions[..., None])[..., 0]
    ref = sum(F.smooth_l1_loss(taken[k], targets[k].detach()) for k in range(2))
    torch.testing.assert_close(loss, ref)
    loss.backward()
    assert targets.grad is None
    with pytest.raises(ValueError, match="actions"):
        td_loss(q, actions + 3, targets)
    with pytest.raises(ValueError, match="actions and targets"):
        td_loss(q, actions[:, :4], targets)


def test_q_networks_are_initialised_as_nn_linear():
    torch.manual_seed(3)
    nets = QNetworks(agents=50, obs_dim=9, actions=2, hidden=(16,))
    for W, b, fan_in in zip(nets.weights, nets.biases, (9, 16)):
        bound = 1 / fan_in ** 0.5                  # nn.Linear's kaiming_uniform(a=√5)
        for p in (W.detach(), b.detach()):
            assert float(p.abs().max()) <= bound and float(p.abs().max()) > 0.95 * bound
            assert abs(float(p.mean())) < 0.1 * bound
