import pytest
import torch

from dlbook.checks import CheckResult, call_answer, compare_tensors, require_callable


def test_check_result_renders_pass_and_fail():
    ok = CheckResult("softmax", True)
    bad = CheckResult("softmax", False, "wrong shape", "check the axis")
    assert ok and not bad
    assert str(ok).startswith("PASS") and "Hint: check the axis" in str(bad)
    assert "✅" in ok._repr_markdown_() and "💡" in bad._repr_markdown_()


def test_compare_tensors_diagnoses_without_revealing():
    want = torch.tensor([[0.25, 0.75]])
    assert compare_tensors("c", want.clone(), want) is None
    assert compare_tensors("c", [[0.25, 0.75]], want) is None  # a list of the right values
    assert compare_tensors("c", want.float(), want.double()) is None  # float32, within its
    assert "torch.Tensor" in compare_tensors("c", None, want).message
    assert "shape" in compare_tensors("c", [0.25, 0.75], want).message
    assert "shape" in compare_tensors("c", want.T, want).message
    assert "inf or NaN" in compare_tensors("c", torch.tensor([[float("nan"), 1.0]]),
                                           want).message
    wrong = compare_tensors("c", torch.tensor([[0.5, 0.5]]), want)
    assert "wrong values" in wrong.message and "0.75" not in wrong.message


def test_call_answer_and_require_callable():
    value, problem = call_answer("c", lambda x: 1 / x, 0)
    assert value is None and "ZeroDivisionError" in problem.message
    with pytest.raises(TypeError, match="must be a function"):
        require_callable("fn", 3)
