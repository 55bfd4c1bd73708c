"""The sentiment teacher: a small bidirectional GRU over word tokens, trained with torch."""

import re
from collections import Counter

import numpy as np

_TOKEN = re.compile(r"[\w']+|[^\w\s]")
PAD, UNKNOWN = 0, 1


def tokenize(text):
    """Words (letters, digits, apostrophes) and single punctuation marks of a tweet."""
    return _TOKEN.findall(text)


def build_vocabulary(texts, max_size, min_count=2):
    """Token -> id for the ``max_size`` most frequent tokens seen ``min_count`` times.

    Ids 0 and 1 are reserved for padding and unknown tokens.
    """
    counts = Counter(token for text in texts for token in tokenize(text))
    frequent = [t for t, c in counts.most_common(max_size) if c >= min_count]
    return {token: i + 2 for i, token in enumerate(frequent)}


def encode(texts, vocabulary, max_length):
    """Token ids of each text, right-padded with 0 (or cut) to ``max_length``."""
    ids = np.zeros((len(texts), max_length), dtype=np.int64)
    for row, text in enumerate(texts):
        tokens = [vocabulary.get(t, UNKNOWN) for t in tokenize(text)[:max_length]]
        ids[row, : len(tokens)] = tokens
    return ids


def build_bigru(vocabulary_size, *, embedding_dim=64, hidden_size=32, n_classes=2, seed=0):
    """Embedding -> one bidirectional GRU layer -> linear layer on both final states.

    A GRU rather than the paper's LSTM, and small: on a CPU the recurrent
    backward pass dominates, and a GRU of 32 units per direction trains
    about twice as fast as an LSTM of 64.

    Returns a ``torch.nn.Module`` mapping an int64 tensor of padded token ids,
    shape (batch, length), to logits, shape (batch, n_classes). Its initial
    weights are drawn from ``seed`` without touching torch's global random state.
    """
    import torch
    from torch import nn

    class BiGRUClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocabulary_size, embedding_dim, padding_idx=PAD)
            self.gru = nn.GRU(embedding_dim, hidden_size, batch_first=True, bidirectional=True)
            self.head = nn.Linear(2 * hidden_size, n_classes)

        def forward(self, ids):
            lengths = (ids != PAD).sum(dim=1).clamp(min=1).cpu()
            packed = nn.utils.rnn.pack_padded_sequence(
                self.embedding(ids), lengths, batch_first=True, enforce_sorted=False
            )
            _, hidden = self.gru(packed)
            return self.head(torch.cat([hidden[0], hidden[1]], dim=1))

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return BiGRUClassifier()


def predict_logits(module, ids, batch_size=1024):
    """Logits of ``module`` on padded token ids, in batches, as a float64 array."""
    import torch

    module.eval()
    with torch.no_grad():
        parts = [
            module(torch.as_tensor(ids[start : start + batch_size])).double().numpy()
            for start in range(0, len(ids), batch_size)
        ]
    return np.concatenate(parts)
