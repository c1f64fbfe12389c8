"""Each family's samples on the yardstick, as its own chapter measured them.

Written by ``tools/record_generative_scores.py`` from the executed chapters (the
figures they glue as ``<chapter>-fd``), never by hand; the checks of the built site
fail when this table and the build disagree. The *Diffusion* chapter reads it for
its table of all four families. Chapter: *Diffusion models*.
"""

FD: dict[str, float] = {
    'autoencoders': 57.9774820165444,
    'vae': 67.80389708356324,
    'gan': 65.9953258680398,
}
