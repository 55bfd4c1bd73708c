"""Sentiment140 tweets (100k subset) and the paper's tweet preprocessing."""

import re

import numpy as np
from sklearn.utils import Bunch

from . import _base

ENV_VAR = "SKDISTILL_SENTIMENT140"
FOLDER_NAME = "sentiment140_100k"
_FILES = {0: "negative.txt", 1: "positive.txt"}
TARGET_NAMES = ["negative", "positive"]

# A mention is "@" plus a user name, not preceded by a word character (so that
# e-mail addresses are left alone).
_MENTION = re.compile(r"(?<!\w)@\w+")
# A run of digits, possibly with inner separators, as in 3.5, 1,000 or 10:30.
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_SPACES = re.compile(r"\s+")

DESCR = """\
Sentiment140 (100k subset)
--------------------------

Real tweets from Stanford's Sentiment140 (Go, Bhayani, Huang, 2009), labelled
by the emoticons they contained (emoticons stripped, the "noemoticon"
release): 50,000 negative and 50,000 positive, one tweet a line in
negative.txt and positive.txt (UTF-8). The two files are the first and the
last 50k rows of the time-sorted original, so split the data at random, not
by position. Stands in for the Twitter sentiment set of Grabovoy & Strijov
(2021), which is not available offline. The tweets are distributed for
research use.

The paper's preprocessing (see ``preprocess_tweet``): lower-case, user
mentions replaced by the token ``name``, numbers by the token ``number``.
"""


def preprocess_tweet(text):
    """Normalise a tweet as in Grabovoy & Strijov (2021).

    The text is lower-cased; each user mention (``@`` followed by a user
    name, not preceded by a letter or digit, so e-mail addresses are kept) is
    replaced by the token ``name``; each number (a run of digits, with inner
    ``.``, ``,`` or ``:`` separators, e.g. ``3.5``, ``1,000``, ``10:30``) is
    replaced by the token ``number``; runs of whitespace are collapsed to a
    single space and leading and trailing whitespace is removed. The
    replacement tokens are separated from their neighbours by spaces, so
    ``"2day"`` becomes ``"number day"``.

    Parameters
    ----------
    text : str
        The tweet.

    Returns
    -------
    text : str
        The preprocessed tweet.

    Examples
    --------
    >>> from skdistill.datasets import preprocess_tweet
    >>> preprocess_tweet("@Bob I slept  only 4 Hours :(")
    'name i slept only number hours :('
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}.")
    text = text.lower()
    text = _MENTION.sub(" name ", text)
    text = _NUMBER.sub(" number ", text)
    return _SPACES.sub(" ", text).strip()


def _read_lines(path):
    """Non-blank lines of a UTF-8 file, without their line terminators."""
    try:
        with open(path, encoding="utf-8", newline="\n") as handle:
            lines = [line.rstrip("\r\n") for line in handle]
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not valid UTF-8 text ({exc}).") from exc
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise ValueError(f"{path}: no tweets, the file is empty or blank.")
    return lines


def load_sentiment140(data_home=None, *, preprocess=True):
    """Load the Sentiment140 100k tweets (binary sentiment classification).

    =================   ==============
    Classes                          2
    Samples per class            50000
    Samples total               100000
    Features                      text
    =================   ==============

    The files ``negative.txt`` and ``positive.txt`` are looked for in this
    order:

    1. if `data_home` is given, in `data_home` and its ``sentiment140_100k/``
       sub-folder only;
    2. otherwise in the folder named by the ``SKDISTILL_SENTIMENT140``
       environment variable, then in ``sentiment140_100k/`` under the data
       folder (``$SKDISTILL_DATA`` or, when that is unset,
       ``~/skdistill_data``; see :func:`~skdistill.datasets.get_data_home`).

    No other folder is searched and nothing is downloaded.

    Blank lines (empty or whitespace only) are skipped. The samples are not
    shuffled: all negative tweets come first, then all positive ones, each in
    file order.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding ``negative.txt`` and ``positive.txt``. By default the
        locations listed above are searched.

    preprocess : bool, default=True
        If True, apply :func:`preprocess_tweet` to every tweet; otherwise
        return the lines as read (without their line terminators).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : list of str
            The tweets.
        target : ndarray of shape (n_samples,), dtype=int64
            The labels, 0 for negative and 1 for positive.
        target_names : list of str
            ``["negative", "positive"]``.
        DESCR : str
            The description of the data set.

    Raises
    ------
    FileNotFoundError
        If the files are not found; the message lists the folders searched.
    ValueError
        If a file is not valid UTF-8.

    Examples
    --------
    >>> from skdistill.datasets import load_sentiment140
    >>> tweets = load_sentiment140()  # doctest: +SKIP
    >>> len(tweets.data), tweets.target_names  # doctest: +SKIP
    (100000, ['negative', 'positive'])
    """
    candidates = _base.candidate_dirs(data_home, FOLDER_NAME, ENV_VAR)
    filenames = list(_FILES.values())
    folder = _base.find_folder(candidates, filenames)
    if folder is None:
        raise _base.not_found_error(
            "Sentiment140",
            filenames,
            candidates,
            "Pass data_home=<folder with the files>, set the "
            f"{ENV_VAR} environment variable to that folder, or put the "
            f"files in {FOLDER_NAME}/ under the folder named by "
            f"{_base.DATA_HOME_ENV} (default ~/skdistill_data).",
        )
    data, target = [], []
    for label, filename in _FILES.items():
        lines = _read_lines(folder / filename)
        if preprocess:
            lines = [preprocess_tweet(line) for line in lines]
        data.extend(lines)
        target.extend([label] * len(lines))
    return Bunch(
        data=data,
        target=np.asarray(target, dtype=np.int64),
        target_names=list(TARGET_NAMES),
        DESCR=DESCR,
    )
