"""Contract examples for the shared core: data, shapes, plot, train, runtime, glue,
source and the exercise-check machinery (``dlbook.checks`` and every chapter's
checks)."""

import copy

import numpy as np
import torch
from torch import nn

from . import Example, Propagates, merge, propagates


def _xy(n=12, d=3, classes=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g), torch.arange(n) % classes


def _fit_args():
    torch.manual_seed(0)
    X, y = _xy()
    model = nn.Linear(3, 3)
    return dict(model=model, train_data=(X, y), loss_fn=nn.functional.cross_entropy,
                optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=2,
                batch_size=4, val_data=(X[:6], y[:6]), patience=1,
                clip_grad_norm=1.0, progress=False, verbose=False)


RECORD = "a plain record: its fields are stored as given"
TO_MODEL = "the data go to the reader's model and loss as they are"
ANSWER = ("the reader's answer: anything is judged, converted where it is a number or "
          "tensor in another form, and a wrong one reported as a failed check")
REFERENCE = "the reference may be any tensor: the answer is compared with it as it is"
TEXT = "text for the reader: any value is shown with str()"
DRAWN_BLANK = "a NaN or infinite pixel is drawn blank, as matplotlib draws it"

EXAMPLES = {
    # --- data ------------------------------------------------------------------
    "dlbook.data.Split": Example(record=RECORD),
    "dlbook.data.Splits": Example(record=RECORD),
    "dlbook.data.split_indices": Example(
        dict(n=10, val_fraction=0.2, test_fraction=0.2, seed=0,
             stratify=np.array([0, 1] * 5)),
        bad={"val_fraction": {"range:above-1": 1.5}}),
    "dlbook.data.load_digits": Example(
        dict(flatten=True, val_fraction=0.15, test_fraction=0.15, seed=0)),
    "dlbook.data.load_diabetes": Example(
        dict(val_fraction=0.15, test_fraction=0.15, seed=0, standardize=True)),
    "dlbook.data.load_sample_photo": Example(dict(name="flower")),
    "dlbook.data.make_toy2d": Example(dict(kind="spirals", n=20, noise=0.1, seed=0,
                                           classes=3)),
    "dlbook.shapes.ShapeScenes": Example(record=RECORD),
    "dlbook.shapes.make_shapes": Example(dict(n=2, size=16, max_shapes=2, min_scale=0.2,
                                              max_scale=0.4, noise=0.05, seed=0)),
    # --- plot ------------------------------------------------------------------
    "dlbook.plot.use_house_style": Example(),
    "dlbook.plot.show_images": Example(
        dict(images=torch.rand(3, 1, 8, 8), labels=["a", "b", "c"], ncols=2,
             cmap="gray_r", size=1.0, title="t"),
        accept={"images": {"type:list": "images may be any array-like",
                           "type:ndarray": "images may be any array-like",
                           "nan": DRAWN_BLANK, "inf": DRAWN_BLANK,
                           "dtype": "integer pixel values are drawn as they are"},
                "labels": {"element": TEXT}, "title": {"*": TEXT}}),
    "dlbook.plot.plot_curves": Example(
        dict(curves={"train": [1.0, 0.5, 0.25]}, xlabel="epoch", ylabel="loss",
             logy=False, title="t"),
        accept={k: {"*": TEXT} for k in ("xlabel", "ylabel", "title")}),
    "dlbook.plot.plot_decision_boundary": Example(
        dict(predict=lambda P: (P[:, 0] > 0).long(), X=torch.randn(10, 2),
             y=torch.arange(10) % 2, resolution=5, margin=0.3, title="t"),
        accept={"title": {"*": TEXT}}),
    "dlbook.plot.plot_confusion_matrix": Example(
        dict(confusion=torch.tensor([[3, 1], [0, 4]]), class_names=["a", "b"], title="t"),
        accept={"confusion": {"type:list": "a matrix may be any array-like",
                              "type:ndarray": "a matrix may be any array-like",
                              "dtype": "rates (floats) are drawn as well as counts",
                              "range:huge": "any count is drawn"},
                "title": {"*": TEXT}, "class_names": {"element": TEXT}}),
    # --- train -----------------------------------------------------------------
    "dlbook.train.accuracy": Example(
        dict(logits=torch.randn(6, 3), y=torch.arange(6) % 3),
        accept=merge(propagates("logits"),
                     {"logits": {"dtype": "integer scores are compared as they are"}})),
    "dlbook.train.make_loader": Example(
        dict(data=_xy(), batch_size=4, shuffle=True, seed=0),
        accept={"data": {"element:nan": TO_MODEL, "element:inf": TO_MODEL,
                         "element:dtype": TO_MODEL}}),
    "dlbook.train.History": Example(record="the record fit returns: its fields are "
                                           "stored as given"),
    "dlbook.train.evaluate": Example(
        lambda: dict(model=nn.Linear(3, 3), data=_xy(), loss_fn=nn.functional.cross_entropy,
                     metrics={}, batch_size=4, device="cpu"),
        accept={"data": {"element:nan": Propagates(TO_MODEL), "element:inf": TO_MODEL,
                         "element:dtype": TO_MODEL}}),
    "dlbook.train.predict": Example(
        lambda: dict(model=nn.Linear(3, 3), X=torch.randn(5, 3), batch_size=2),
        accept=merge(propagates("X"), {"X": {"shape": TO_MODEL, "dtype": TO_MODEL,
                                             "empty": "zero rows give zero outputs"}})),
    "dlbook.train.fit": Example(
        _fit_args,
        accept={k: {"element:nan": Propagates(TO_MODEL), "element:inf": TO_MODEL,
                    "element:dtype": TO_MODEL} for k in ("train_data", "val_data")},
        bad={"train_data": {"empty": (torch.zeros(0, 3), torch.zeros(0, dtype=torch.long))},
             "device": {"range:unknown-device": "gpu"}}),
    # --- runtime, glue, source -------------------------------------------------
    "dlbook.runtime.seed_everything": Example(dict(seed=3)),
    "dlbook.runtime.choose_device": Example(dict(prefer="cpu")),
    "dlbook.glue.glue": Example(dict(name="a-number", value=0.5, display=False),
                                accept={"value": {"*": "any value can be glued: it is "
                                                       "shown as IPython would show it"},
                                        "name": {"range": "any name of letters, digits, "
                                                          "'_', '-' and '.' is a name"}}),
    "dlbook.source.SourceCode": Example(record=RECORD),
    "dlbook.source.show_source": Example(dict(obj=copy.copy)),
    # --- the machinery of the exercise checks ----------------------------------
    "dlbook.checks.CheckResult": Example(record=RECORD),
    "dlbook.checks.passed": Example(dict(name="check", message="fine"),
                                    accept={"name": {"*": TEXT}, "message": {"*": TEXT}}),
    "dlbook.checks.failed": Example(
        dict(name="check", message="wrong", hint="look"),
        accept={"name": {"*": TEXT}, "message": {"*": TEXT}, "hint": {"*": TEXT}}),
    "dlbook.checks.require_callable": Example(dict(name="fn", fn=len),
                                              accept={"name": {"*": TEXT}}),
    "dlbook.checks.call_answer": Example(
        dict(check="check", fn=len),
        accept={"check": {"*": TEXT},
                "fn": {"*": "fn is the reader's function: whatever calling it raises is "
                            "reported as a failed check"}}),
    "dlbook.checks.call_for_number": Example(
        dict(check="check", fn=float),
        accept={"check": {"*": TEXT},
                "fn": {"*": "fn is the reader's function: whatever calling it raises or "
                            "returns is reported as a failed check"}}),
    "dlbook.checks.compare_tensors": Example(
        dict(check="check", got=torch.ones(2), want=torch.ones(2), atol=1e-5, rtol=1e-4,
             what="the result"),
        accept={"got": {"*": ANSWER}, "check": {"*": TEXT}, "what": {"*": TEXT},
                "want": {k: REFERENCE for k in ("shape", "length", "empty", "nan", "inf",
                                                "dtype")}}),
    "dlbook.checks.as_tensor": Example(dict(value=[1.0, 2.0]), accept={"value": {"*": ANSWER}}),
    "dlbook.checks.as_number": Example(dict(value=2.0), accept={"value": {"*": ANSWER}}),
    "dlbook.checks.as_int": Example(dict(value=3), accept={"value": {"*": ANSWER}}),
    "dlbook.checks.named_mistake": Example(
        lambda: dict(check="check", got=torch.ones(2),
                     mistakes={"you add one": (torch.ones(2), "do not add one")},
                     atol=1e-6, where="", want=torch.zeros(2)),
        accept={"got": {"*": ANSWER}, "check": {"*": TEXT}, "where": {"*": TEXT},
                "mistakes": {k: "the check's own table of mistakes: an empty one names "
                             "none, and each value is a reference" for k in
                             ("empty", "element", "length", "shape", "nan", "inf", "dtype")},
                "want": {k: REFERENCE for k in ("shape", "length", "empty", "nan", "inf",
                                                "dtype")}}),
    "dlbook.checks.close": Example(
        dict(got=[1.0, 2.0], want=torch.tensor([1.0, 2.0]), atol=1e-6, rtol=1e-5),
        accept={"got": {"*": ANSWER},
                "want": {k: REFERENCE for k in ("shape", "length", "empty", "nan", "inf",
                                                "dtype")}}),
    "dlbook.checks.tolerances": Example(
        dict(got=torch.ones(2), atol=1e-6, rtol=1e-5, scale=2.0),
        accept={"got": {"*": "got is the reader's answer: its dtype is read, if it has one"}}),
}

EXAMPLES.update({
    # --- captioned scenes (chapter Vision transformers, CLIP and captioning) ---------
    "dlbook.shapes.CaptionedScenes": Example(record=RECORD),
    "dlbook.shapes.scene_combos": Example(),
    "dlbook.shapes.scene_caption": Example(
        lambda: dict(combo=torch.tensor([0, 0, 0, 2, 1]))),
    "dlbook.shapes.make_captioned_scenes": Example(
        lambda: dict(combos=torch.tensor([[0, 0, 0, 2, 1], [1, 2, 1, 3, 3]]), size=16,
                     min_scale=0.13, max_scale=0.18, noise=0.05, seed=0)),
})
