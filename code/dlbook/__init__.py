"""dlbook: the tested code of the book *Deep Learning, Executed*.

Each submodule holds one subject and names the chapter that explains it.
Import what you need from the submodule, for example
``from dlbook.data import load_digits``. Importing ``dlbook`` itself loads
nothing else, so that a chapter depends only on the modules it imports.

The package mirrors the book: the code that a chapter of ``book/<part>/``
teaches lives in ``dlbook.<part>``, one module per subject; what every part
uses stays at the top.

Shared core: ``data`` (bundled and generated datasets), ``shapes`` (synthetic
scenes with boxes and masks), ``plot`` (the house figure style), ``runtime``
(seeds, devices), ``source`` (show package code in a chapter), ``glue`` (numbers
for the prose), ``train`` (the training loop), ``checks`` (exercise checks, one
module per chapter).

Part I, ``dlbook.fundamentals``: ``linear``, ``linear_models``, ``losses``,
``metrics``, ``autograd``, ``mlp``.

Part II, ``dlbook.training``: ``activations``, ``init``, ``optim``,
``regularization``, ``normalization``, ``diagnostics``.

Part III, ``dlbook.cnn``: ``conv``, ``lenet``, ``architectures``, ``augment``,
``transfer``, ``detection``, ``segmentation``, ``metric_learning``,
``attribution``.

Part IV, ``dlbook.nlp``: ``tokenize``, ``vocab``, ``batching``, ``corpora``,
``textcnn``, ``word2vec``, ``ngram``, ``neural_lm``, ``perplexity``, ``rnn``,
``seq2seq``.

Part V, ``dlbook.transformers``: ``attention``, ``positional``, ``blocks``,
``encoder_decoder``, ``gpt``, ``bert``, ``vit``, ``clip``, ``captioning``,
``scaling``, ``lora``, ``contrastive``.

Part VI, ``dlbook.generative``: ``yardstick``, ``recorded``, ``autoencoders``,
``vae``, ``gan``, ``diffusion``.

Part VII, ``dlbook.rl``: ``bandits``, ``ab_testing``, ``mdp``, ``td``, ``games``,
``search``, ``alphazero``, ``evaluation``, ``dqn``, ``policy_gradient``, ``rlhf``.

Part VIII, ``dlbook.scale``: ``timing``, ``memory``, ``distributed``.
"""

__version__ = "0.1.0"
