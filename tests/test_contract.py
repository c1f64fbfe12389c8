"""The contract every public function and class of dlbook keeps under hostile input.

Readers copy dlbook's functions into their own work and feed them whatever they
have. So every public name (a function or class without a leading underscore,
defined in a dlbook module whose path has no private part) is called here with a
valid example, then with one argument at a time replaced by bad values of every
kind: wrong type, wrong shape, mismatched lengths, empty, NaN and inf, wrong
dtype, out of range, a bool given as a string. Each must raise ``TypeError`` or
``ValueError`` from dlbook's own code, with a message that names the argument, or
be listed in the example as accepted, with the reason (an accepted NaN that is
said to propagate must show up in the result). Good values in other reasonable
forms (NumPy scalars) must be accepted.

How a module joins: add one :class:`contract.Example` per public function and
class to the examples file of its part, ``tests/contract/<part>.py`` (create it
for a new part: a module with a dict ``EXAMPLES`` from the qualified name, such as
``"dlbook.nlp.rnn.GRU"``, to the example). Give every required argument a small
valid value; for an ``nn.Module`` also give ``methods={"forward": Example(...)}``.
The harness and its helpers live in ``tests/contract/__init__.py``. A public name
without an example fails :func:`test_every_public_name_has_an_example`, so a new
module cannot skip the contract. Run ``python tests/test_contract.py`` for the
counts and the list of what is accepted and why.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from contract import (KINDS, collect_examples, needs_forward, public_names,  # noqa: E402
                      run_example)

NAMES = public_names()
EXAMPLES = collect_examples()


def test_every_public_name_has_an_example():
    missing = sorted(set(NAMES) - set(EXAMPLES))
    assert not missing, ("public names without an example in tests/contract/<part>.py: "
                         + ", ".join(missing))


def test_every_example_names_a_public_name():
    stale = sorted(set(EXAMPLES) - set(NAMES))
    assert not stale, "examples of names that are not public (renamed?): " + ", ".join(stale)


def test_every_module_class_has_a_forward_example():
    lacking = sorted(n for n, obj in NAMES.items() if needs_forward(obj) and n in EXAMPLES
                     and EXAMPLES[n].record is None and "forward" not in EXAMPLES[n].methods)
    assert not lacking, "nn.Module classes without a forward example: " + ", ".join(lacking)


@pytest.mark.parametrize("name", sorted(set(NAMES) & set(EXAMPLES)))
def test_contract(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = run_example(name, NAMES[name], EXAMPLES[name])
    assert not report.problems, "\n".join(report.problems)


def main() -> None:
    """Print the contract's counts and every accepted bad value with its reason."""
    tried, propagated, accepted, problems = 0, 0, [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in sorted(set(NAMES) & set(EXAMPLES)):
            report = run_example(name, NAMES[name], EXAMPLES[name])
            tried += report.tried
            propagated += report.propagated
            accepted += report.accepted
            problems += [f"{name}: {p}" for p in report.problems]
    records = [line for line in accepted if "<" not in line]
    print(f"public names: {len(NAMES)}; with an example: {len(set(NAMES) & set(EXAMPLES))}; "
          f"records and base classes accepted whole: {len(records)}")
    print(f"bad inputs tried: {tried}; accepted with a reason: {len(accepted) - len(records)} "
          f"(of which NaNs checked to reach the result: {propagated}); "
          f"problems: {len(problems)}")
    print("kinds:", ", ".join(KINDS.values()))
    for line in accepted if "-v" in sys.argv else []:
        print("  accepted:", line)
    for line in problems:
        print("  PROBLEM:", line)


if __name__ == "__main__":
    main()
