"""Part VI, Generative models.

``yardstick`` (one measure of sample quality for every generative model of the
digits: the Fréchet distance in the features of a digit classifier trained once,
and that classifier's confidence on the samples), and one module per family.
"""
