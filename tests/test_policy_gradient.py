"""Policy gradients (dlbook.rl.policy_gradient): GAE against a direct sum over each
episode, its two extremes, PPO's clipped objective on hand-computed cases, REINFORCE's
gradient, the actor-critic network, and their errors."""

import pytest
import torch

from dlbook.rl.policy_gradient import ActorCritic, clipped_objective, gae, reinforce_loss


def _rollout(seed=0, T=9, N=3):
    g = torch.Generator().manual_seed(seed)
    rewards = torch.randn(T, N, generator=g, dtype=torch.float64)
    values = torch.randn(T, N, generator=g, dtype=torch.float64)
    next_values = torch.randn(T, N, generator=g, dtype=torch.float64)
    terminated = torch.zeros(T, N, dtype=torch.bool)
    truncated = torch.zeros(T, N, dtype=torch.bool)
    terminated[2, 0] = terminated[6, 1] = True
    truncated[4, 0] = truncated[3, 2] = True
    return rewards, values, next_values, terminated, truncated


def _direct_gae(rewards, values, next_values, terminated, truncated, gamma, lam):
    """sum_k (gamma lam)^k delta_{t+k}, summed up to the end of t's episode."""
    T, N = rewards.shape
    deltas = rewards + gamma * (~terminated) * next_values - values
    out = torch.zeros_like(rewards)
    for n in range(N):
        for t in range(T):
            total, k = 0.0, t
            while k < T:
                total += (gamma * lam) ** (k - t) * deltas[k, n]
                if terminated[k, n] or truncated[k, n]:
                    break
                k += 1
            out[t, n] = total
    return out


@pytest.mark.parametrize("lam", [0.0, 0.5, 0.95, 1.0])
def test_gae_equals_the_direct_sum_with_episode_ends(lam):
    args = _rollout()
    got = gae(*args, gamma=0.9, lam=lam)
    torch.testing.assert_close(got, _direct_gae(*args, gamma=0.9, lam=lam))


def test_gae_lambda_zero_is_the_td_error():
    rewards, values, next_values, terminated, truncated = _rollout(1)
    delta = rewards + 0.9 * (~terminated) * next_values - values
    torch.testing.assert_close(gae(rewards, values, next_values, terminated, truncated,
                                   gamma=0.9, lam=0.0), delta)


def test_gae_lambda_one_is_discounted_return_minus_value():
    """One environment, two episodes (the first terminated at step 2, the second
    truncated at the last step, bootstrapping from the state it reached), with
    consistent values: next_values[t] = values[t + 1] inside an episode."""
    r = torch.tensor([1.0, 2.0, 3.0, -1.0, 0.5], dtype=torch.float64)[:, None]
    v = torch.tensor([0.3, -0.2, 0.7, 1.1, 0.4], dtype=torch.float64)[:, None]
    v_end = 2.5                                          # V of the state truncation left
    v_next = torch.cat([v[1:], torch.tensor([[v_end]], dtype=torch.float64)])
    terminated = torch.tensor([0, 0, 1, 0, 0])[:, None]
    truncated = torch.tensor([0, 0, 0, 0, 1])[:, None]
    g = 0.9
    returns = torch.tensor([1 + g * 2 + g * g * 3, 2 + g * 3, 3.0,
                            -1 + g * 0.5 + g * g * v_end, 0.5 + g * v_end],
                           dtype=torch.float64)[:, None]
    torch.testing.assert_close(gae(r, v, v_next, terminated, truncated, gamma=g, lam=1.0),
                               returns - v)


def test_gae_keeps_the_rollout_shape_and_dtype():
    args = _rollout(2)
    out = gae(*args, gamma=0.99, lam=0.95)
    assert out.shape == args[0].shape and out.dtype == torch.float64


def test_clipped_objective_by_hand_on_both_sides_of_the_clip():
    ratio = torch.tensor([0.5, 1.1, 1.5, 0.5, 0.9, 1.5])
    adv = torch.tensor([2.0, 2.0, 2.0, -1.0, -1.0, -1.0])
    # A > 0: min(r A, clip(r) A) = r A below 1 + eps, (1 + eps) A above.
    # A < 0: (1 - eps) A below 1 - eps (the clipped value is smaller), r A above.
    want = torch.tensor([1.0, 2.2, 2.4, -0.8, -0.9, -1.5])
    torch.testing.assert_close(clipped_objective(ratio, adv, clip=0.2), want)


def test_clipped_objective_gradient_is_zero_only_where_the_clip_binds():
    ratio = torch.tensor([0.5, 1.1, 1.5, 0.5, 0.9, 1.5], requires_grad=True)
    adv = torch.tensor([2.0, 2.0, 2.0, -1.0, -1.0, -1.0])
    clipped_objective(ratio, adv, clip=0.2).sum().backward()
    torch.testing.assert_close(ratio.grad, torch.tensor([2.0, 2.0, 0.0, 0.0, -1.0, -1.0]))


def test_reinforce_loss_gradient_is_the_score_function_estimate():
    logits = torch.tensor([[0.2, -0.3], [1.0, 0.5]], requires_grad=True)
    actions = torch.tensor([1, 0])
    adv = torch.tensor([2.0, -1.0], requires_grad=True)
    log_p = torch.log_softmax(logits, -1).gather(1, actions[:, None]).squeeze(1)
    reinforce_loss(log_p, adv).backward()
    p = torch.softmax(logits.detach(), -1)
    want = -(torch.nn.functional.one_hot(actions, 2) - p) * adv.detach()[:, None] / 2
    torch.testing.assert_close(logits.grad, want)
    assert adv.grad is None                          # the advantages are constants


def test_actor_critic_shapes_and_first_policy_near_uniform():
    torch.manual_seed(0)
    net = ActorCritic(4, 2)
    logits, values = net(torch.randn(5, 4))
    assert logits.shape == (5, 2) and values.shape == (5,)
    probs = torch.softmax(logits, -1)
    assert torch.allclose(probs, torch.full_like(probs, 0.5), atol=0.05)


def test_bad_input_raises_clear_errors():
    args = _rollout()
    with pytest.raises(ValueError, match="lam"):
        gae(*args, gamma=0.9, lam=1.5)
    with pytest.raises(ValueError, match="next_values"):
        gae(args[0], args[1], args[2][:-1], args[3], args[4])
    with pytest.raises(ValueError, match="terminated"):
        gae(args[0], args[1], args[2], args[3].double() * 2, args[4])
    with pytest.raises(ValueError, match="ratio and advantages"):
        clipped_objective(torch.ones(3), torch.ones(4))
    with pytest.raises(ValueError, match="clip"):
        clipped_objective(torch.ones(3), torch.ones(3), clip=0.0)
    with pytest.raises(ValueError, match="obs"):
        ActorCritic(4, 2)(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="n_actions"):
        ActorCritic(4, 1)
