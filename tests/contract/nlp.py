"""Contract examples for Part IV, ``dlbook.nlp``, and its chapters' checks."""

import torch
from torch import nn

from . import INFINITE, Example, Propagates, checks_in, elementwise, merge, propagates

RECORD = "a plain record: its fields are stored as given"
NO_TEXT = {"empty": "an empty text has no tokens: the result is empty"}
ANY_TEXT = {"range": "any string is a text"}
ANY_TOKEN = {"element:range": "any string is a token"}
IDS_AS_GIVEN = {"element:empty": "an empty sequence is all padding",
                "element:element:range": "ids are stored as given"}


def _vocab_args():
    return dict(tokens=list("banana bread"), min_freq=1)


EXAMPLES = {
    # --- tokenize --------------------------------------------------------------
    "dlbook.nlp.tokenize.char_tokenize": Example(accept={"text": ANY_TEXT}, args=dict(text="héllo")),
    "dlbook.nlp.tokenize.word_tokenize": Example(
        dict(text="Hello, world", lowercase=True), accept={"text": ANY_TEXT}),
    "dlbook.nlp.tokenize.chunks": Example(accept={"text": ANY_TEXT}, args=dict(text="the cat sat")),
    "dlbook.nlp.tokenize.merge_pair": Example(
        dict(symbols=[1, 2, 3, 1, 2], pair=(1, 2), new=9),
        accept={"symbols": {"empty": "an empty sequence has no pair to merge",
                            "element": "symbols are compared for equality only: any "
                                       "value is a symbol"},
                "pair": {"element": "symbols are compared for equality only: any "
                                    "value is a symbol"},
                "new": {"*": "the new symbol is stored as given, like any symbol"}}),
    "dlbook.nlp.tokenize.BPETokenizer": Example(
        dict(merges=[(97, 98), (256, 99)]),
        accept={"merges": {"empty": "no merges: a tokenizer of single bytes"}},
        methods={"encode": Example(dict(text="abcab"), accept={"text": ANY_TEXT}),
                 "decode": Example(dict(ids=[256, 257, 97]),
                                   accept={"ids": {"empty": "no ids decode to ''"}}),
                 "tokens": Example(dict(text="abcab"), accept={"text": ANY_TEXT}),
                 "encode_chunk": Example(dict(chunk="abc"), accept={"chunk": ANY_TEXT}),
                 "truncated": Example(dict(num_merges=1))}),
    "dlbook.nlp.tokenize.train_bpe": Example(dict(text="ab ab ab abc", num_merges=3),
                                                 accept={"text": ANY_TEXT}),
    # --- vocab ----------------------------------------------------------------
    "dlbook.nlp.vocab.Vocab": Example(
        _vocab_args, accept={"tokens": {"empty": "no tokens: only the special tokens", **ANY_TOKEN}},
        methods={"encode": Example(dict(tokens=["b", "a", "z"], add_bos=True, add_eos=False),
                                   accept={"tokens": {**NO_TEXT, **ANY_TOKEN}}),
                 "decode": Example(dict(ids=[2, 5, 1, 3], skip_specials=True),
                                   accept={"ids": {"empty": "no ids decode to no tokens"}})}),
    "dlbook.nlp.vocab.build_vocab": Example(
        dict(texts=[["a", "b"], ["b"]], min_freq=1),
        accept={"texts": {"empty": "no texts: only the special tokens",
                          "element:empty": "an empty text adds no tokens",
                          "element:element:range": "any string is a token"}}),
    "dlbook.nlp.vocab.one_hot": Example(
        dict(ids=torch.tensor([0, 2, 1]), vocab_size=3),
        accept={"ids": {"shape": "one row per id, for ids of any shape",
                        "empty": "no ids give no rows"}}),
    "dlbook.nlp.vocab.bag_of_words": Example(
        dict(sequences=[[1, 1, 2], [0]], vocab_size=3),
        accept={"sequences": {"empty": "no sequences give a (0, vocab_size) matrix",
                              "element:empty": "an empty sequence counts nothing"}}),
    # --- batching -------------------------------------------------------------
    "dlbook.nlp.batching.PaddedBatch": Example(record=RECORD),
    "dlbook.nlp.batching.lengths_to_mask": Example(
        dict(lengths=torch.tensor([2, 0, 3]), max_length=4),
        accept={"lengths": {"empty": "no lengths give an empty mask"}}),
    "dlbook.nlp.batching.pad_sequences": Example(
        dict(sequences=[[5, 6, 7], [8]], pad_id=0, min_length=0),
        accept={"pad_id": {"range": "any integer may mark padding"},
                "sequences": IDS_AS_GIVEN}),
    "dlbook.nlp.batching.iterate_batches": Example(
        lambda: dict(sequences=[[5, 6], [7], [8, 9, 1]], labels=torch.tensor([0, 1, 0]),
                     batch_size=2, shuffle=True, generator=torch.Generator().manual_seed(0),
                     pad_id=0, min_length=0),
        accept={"pad_id": {"range": "any integer may mark padding"},
                "labels": {"nan": "labels are passed through as given",
                           "inf": "labels are passed through as given",
                           "dtype": "labels are passed through as given",
                           "range": "labels are passed through as given",
                           "shape:extra-dim": "labels are passed through as given"},
                "sequences": IDS_AS_GIVEN}),
    # --- corpora --------------------------------------------------------------
    "dlbook.nlp.corpora.pydoc_text": Example({}),
    "dlbook.nlp.corpora.name_shares": Example({}),
    "dlbook.nlp.corpora.NameSplit": Example(record=RECORD),
    "dlbook.nlp.corpora.NameSplits": Example(record=RECORD),
    "dlbook.nlp.corpora.load_names": Example(dict(seed=0)),
    "dlbook.nlp.corpora.TextSplits": Example(record=RECORD),
    "dlbook.nlp.corpora.pydoc_splits": Example(dict(val_fraction=0.1, test_fraction=0.1,
                                                    seed=0)),
    # --- the chapter's exercise checks -------------------------------------------
    **checks_in("dlbook.checks.text_representation"),
    # --- textcnn --------------------------------------------------------------
    "dlbook.nlp.textcnn.TextCNN": Example(
        dict(vocab_size=10, num_classes=2, embed_dim=4, widths=(2, 3), channels=3,
             dropout=0.1, pad_id=0),
        methods={"forward": Example(
            dict(ids=torch.tensor([[4, 5, 6, 0], [7, 8, 0, 0]])),
            accept={"ids": {"empty": "zero sequences give zero rows of logits"}})}),
    # --- word2vec -------------------------------------------------------------
    "dlbook.nlp.word2vec.skipgram_pairs": Example(
        dict(ids=torch.tensor([3, 1, 4, 1, 5]), window=2, segments=torch.tensor([0, 0, 0, 1, 1])),
        accept={"ids": {"empty": "an empty text has no pairs",
                        "range:huge": "ids are only copied into pairs: any id >= 0 is valid"},
                "segments": {"range": "any integers may number the segments"}}),
    "dlbook.nlp.word2vec.keep_probabilities": Example(
        dict(counts=torch.tensor([50.0, 5.0, 0.0]), threshold=0.01),
        accept={"counts": {"dtype:int": "counts are naturally integers"}}),
    "dlbook.nlp.word2vec.subsample": Example(
        lambda: dict(ids=torch.tensor([0, 1, 1, 2]), keep=torch.tensor([0.5, 1.0, 0.2]),
                     generator=torch.Generator().manual_seed(0)),
        accept={"ids": {"empty": "an empty text keeps nothing"},
                "keep": {"range": "a probability above 1 keeps the word always, below 0 "
                                  "never, as the comparison with a uniform draw says"}}),
    "dlbook.nlp.word2vec.noise_distribution": Example(
        dict(counts=torch.tensor([16.0, 1.0, 0.0]), power=0.75),
        accept={"counts": {"dtype:int": "counts are naturally integers"}}),
    "dlbook.nlp.word2vec.log_sigmoid": Example(
        dict(x=torch.tensor([-3.0, 0.0, 2.0])), accept=elementwise("x")),
    "dlbook.nlp.word2vec.sgns_loss": Example(
        lambda: dict(center=torch.randn(2, 3), context=torch.randn(2, 3),
                     noise=torch.randn(2, 4, 3)),
        accept=merge(propagates("center", "context", "noise"),
                     {"noise": {"empty": "zero noise words: only the real pair's term"}})),
    "dlbook.nlp.word2vec.SkipGram": Example(
        dict(vocab_size=6, dim=3),
        methods={"forward": Example(
            dict(centers=torch.tensor([0, 5]), contexts=torch.tensor([1, 2]),
                 noise=torch.tensor([[3, 4], [4, 0]])),
            accept={"noise": {"length:last-dim": "any number K of noise words per pair"}})}),
    "dlbook.nlp.word2vec.cooccurrence_matrix": Example(
        dict(pairs=torch.tensor([[0, 1], [1, 0], [2, 2]]), vocab_size=3),
        accept={"pairs": {"empty": "no pairs give a matrix of zeros"}}),
    "dlbook.nlp.word2vec.ppmi": Example(
        dict(counts=torch.tensor([[2.0, 1.0], [0.0, 1.0]])), accept={"counts": {"dtype:int": "counts are naturally integers"}}),
    "dlbook.nlp.word2vec.svd_embeddings": Example(
        dict(matrix=torch.tensor([[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 1.0]]), dim=2)),
    "dlbook.nlp.word2vec.cosine_similarity_matrix": Example(
        dict(vectors=torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]))),
    "dlbook.nlp.word2vec.nearest_neighbours": Example(
        dict(vectors=torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]), word=0, k=2)),
    "dlbook.nlp.word2vec.context_auc": Example(
        dict(vectors=torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]),
             pairs=torch.tensor([[0, 1], [2, 1]]), noise=torch.tensor([2, 0])),
        accept={"vectors": {"length:last-dim": "vectors of any dimension can be compared"}}),
    **checks_in("dlbook.checks.word2vec"),
}

# --- language models and recurrent networks ------------------------------------

STEPS = "a recurrent step is arithmetic: a NaN in gives a NaN out, as in torch"
NO_ROWS = {"empty": "zero sequences give zero outputs"}
LM_IDS = [[2, 3], [2, 3, 4], [3, 2], [4]]
EMPTY_SEQUENCE = {"element:empty": "an empty sequence is a text of no tokens: only its "
                                   "end is predicted"}


def _g(seed=0):
    return torch.Generator().manual_seed(seed)


def _cell(gates_state):
    def args():
        x = torch.randn(3, 2, generator=_g())
        h = torch.randn(3, 4, generator=_g(1))
        return dict(x=x, **({"state": (h, h.clone())} if gates_state else {"h": h}))
    accept = merge(propagates("x", "h", reason=STEPS), {"x": NO_ROWS}, {"state": {
        "element:nan": Propagates(STEPS), "element:inf": INFINITE}})
    return Example(args, accept=accept)


def _layer():
    return Example(dict(x=torch.randn(3, 5, 2, generator=_g())),
                   accept=merge(propagates("x", reason=STEPS), {"x": NO_ROWS}))


SIZES = dict(input_size=2, hidden_size=4)

EXAMPLES.update({
    # --- rnn -------------------------------------------------------------------
    "dlbook.nlp.rnn.RNNCell": Example(SIZES, methods={"forward": _cell(False)}),
    "dlbook.nlp.rnn.GRUCell": Example(SIZES, methods={"forward": _cell(False)}),
    "dlbook.nlp.rnn.LSTMCell": Example(SIZES, methods={"forward": _cell(True)}),
    "dlbook.nlp.rnn.RNN": Example(SIZES, methods={"forward": _layer()}),
    "dlbook.nlp.rnn.GRU": Example(SIZES, methods={"forward": _layer()}),
    "dlbook.nlp.rnn.LSTM": Example(SIZES, methods={"forward": _layer()}),
    "dlbook.nlp.rnn.RNNLM": Example(
        dict(vocab_size=6, embedding_dim=3, hidden_size=4, cell="gru", dropout=0.0),
        methods={"forward": Example(dict(ids=torch.tensor([[2, 4, 5], [2, 3, 0]])),
                                    accept={"ids": NO_ROWS})}),
    "dlbook.nlp.rnn.from_torch": Example(
        lambda: dict(module=nn.LSTM(2, 3, batch_first=True))),
    # --- perplexity ------------------------------------------------------------
    "dlbook.nlp.perplexity.perplexity": Example(
        dict(log_probs=torch.tensor([-0.5, -2.0, -1.0])),
        accept={"log_probs": {"inf": "a token given probability 0 makes the perplexity "
                                     "infinite, as it should",
                              "shape": "any shape: the mean is over every entry"}}),
    "dlbook.nlp.perplexity.token_log_probs": Example(
        dict(logits=torch.randn(2, 3, 5, generator=_g()),
             targets=torch.tensor([[1, 2, 0], [4, 0, 0]]), ignore_index=0),
        accept=merge(propagates("logits"), {"ignore_index": {
            "range:negative": "any integer may mark padding (PyTorch's default is -100)"}})),
    # --- ngram -----------------------------------------------------------------
    "dlbook.nlp.ngram.NGramLM": Example(
        dict(order=2, vocab_size=5, bos=0, eos=1, smoothing="kneser-ney", k=1.0,
             discount=0.75),
        methods={"fit": Example(dict(sequences=LM_IDS), accept={"sequences": EMPTY_SEQUENCE})}),
    # --- neural_lm -------------------------------------------------------------
    "dlbook.nlp.neural_lm.NeuralLM": Example(
        dict(vocab_size=6, context_size=2, embedding_dim=3, hidden_size=4, direct=True,
             dropout=0.0),
        methods={"forward": Example(dict(context=torch.tensor([[0, 1], [2, 5]])),
                                    accept={"context": NO_ROWS})}),
    "dlbook.nlp.neural_lm.context_windows": Example(
        dict(sequences=LM_IDS, context_size=2, bos=0, eos=1),
        accept={"sequences": EMPTY_SEQUENCE}),
})

EXAMPLES.update(checks_in("dlbook.checks.language_models"))
EXAMPLES.update(checks_in("dlbook.checks.rnn"))

from dlbook.nlp.seq2seq import Seq2Seq as Seq2SeqModel  # noqa: E402


def _seq2seq():
    torch.manual_seed(0)
    return Seq2SeqModel(6, 7, embedding_dim=3, hidden_size=4, attention=True).eval()


SRC_IDS = {"range": "any id below the vocabulary size is a token"}
EXAMPLES.update({
    # --- seq2seq ---------------------------------------------------------------
    "dlbook.nlp.seq2seq.AdditiveAttention": Example(
        dict(query_size=3, key_size=4, attention_size=5),
        methods={"forward": Example(lambda: dict(
            query=torch.randn(2, 3, generator=_g()), keys=torch.randn(2, 4, 4, generator=_g()),
            mask=torch.tensor([[True, True, True, False], [True, False, False, False]])),
            accept=merge(propagates("query"), propagates("keys")))}),
    "dlbook.nlp.seq2seq.Seq2Seq": Example(
        dict(src_vocab_size=6, tgt_vocab_size=7, embedding_dim=3, hidden_size=4,
             attention=True, pad_id=0, bos_id=2, eos_id=3),
        methods={"forward": Example(dict(src=torch.tensor([[4, 5, 1], [5, 0, 0]]),
                                         tgt_in=torch.tensor([[2, 4], [2, 6]])),
                                    accept={"tgt_in": {"length:last-dim": "a target of "
                                                       "any length is decoded"}})}),
    "dlbook.nlp.seq2seq.greedy_decode": Example(
        lambda: dict(model=_seq2seq(), src=torch.tensor([[4, 5, 1], [5, 0, 0]]),
                     max_length=4)),
    "dlbook.nlp.seq2seq.beam_search": Example(
        lambda: dict(model=_seq2seq(), src=torch.tensor([4, 5, 1]), beam_width=3,
                     max_length=4, length_penalty=0.5)),
})
EXAMPLES.update(checks_in("dlbook.checks.seq2seq_attention"))
