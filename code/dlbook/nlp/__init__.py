"""Part IV, Sequences and language.

``tokenize`` (character and word tokenisers, byte-pair encoding from scratch),
``vocab`` (token ids, special tokens, unknown tokens, bags of words),
``batching`` (padding variable-length sequences, masks, batches), ``corpora``
(the documentation text of ``pydoc_data`` and the first names of ``names``, with a
fixed train, validation and test split), ``textcnn`` (a convolutional network
over characters or tokens for text classification), ``word2vec`` (skip-gram with
negative sampling, co-occurrence counts, PPMI and SVD, nearest neighbours),
``ngram`` (n-gram language models with add-k and Kneser-Ney smoothing),
``neural_lm`` (Bengio's neural probabilistic language model), ``perplexity``,
``rnn`` (recurrent, GRU and LSTM cells and layers, a recurrent language model),
``seq2seq`` (an encoder-decoder with additive attention, greedy decoding and beam
search, and ``numbers_task``, the numbers-to-words split of the seq2seq and
transformer chapters).
"""
