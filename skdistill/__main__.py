"""Command line: ``python -m skdistill reproduce {synthetic,fashion-mnist,sentiment,lopez-paz,all}``.

Reproduces the computational experiment of Grabovoy & Strijov (2021): for
each data set the teacher, the student without the teacher and the student
with the teacher over several seeds, the paper's table beside the paper's
numbers, and the paper's figures as PNG files. ``lopez-paz`` reproduces the
four synthetic experiments of Lopez-Paz et al. (2016) and a grid over λ and T.
"""

import argparse
import importlib
import sys
import time
from pathlib import Path

from .reproduce import EXPERIMENTS, MissingDependency, UsageError


def build_parser():
    """The argument parser of the ``skdistill`` command."""
    parser = argparse.ArgumentParser(
        prog="skdistill",
        description="Model distillation and learning with privileged information (Grabovoy & Strijov, 2021).",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"skdistill {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    reproduce = commands.add_parser(
        "reproduce",
        help="reproduce the paper's table and figures",
        description=(
            "Reproduce the paper's experiment on one data set or all of them: print the "
            "table beside the paper's numbers and write PNG figures and CSV/markdown "
            "tables to --out."
        ),
    )
    reproduce.add_argument(
        "dataset",
        choices=[*EXPERIMENTS, "all"],
        help="which experiment to run (lopez-paz: the synthetic experiments of Lopez-Paz et al., 2016)",
    )
    reproduce.add_argument(
        "--runs", type=_positive_int, default=5, help="number of seeds per experiment (default: 5)"
    )
    reproduce.add_argument(
        "--out",
        type=Path,
        default=Path("skdistill_results"),
        help="folder for figures and tables (default: ./skdistill_results)",
    )
    reproduce.add_argument(
        "--quick",
        action="store_true",
        help="a tiny configuration (small data, few epochs) for tests",
    )
    reproduce.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="folder for cached teacher answers and sentence embeddings (default: OUT/cache)",
    )
    reproduce.add_argument(
        "--max-samples",
        type=_positive_int,
        default=None,
        help="sentiment: number of tweets embedded for the student (default: 20000; --quick: 600)",
    )
    reproduce.add_argument(
        "--protocol",
        choices=["short", "paper"],
        default="short",
        help=(
            "fashion-mnist: the training budgets; 'short' (default) 5 teacher and 20 student epochs; "
            "'paper' those of the authors' code, 20 and 100 epochs at batch 64, many times longer "
            "(files fashion_mnist_paper_*)"
        ),
    )
    return parser


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def reproduce(args, log=print):
    """Run the experiments named by the parsed ``args``; return the rows of each."""
    names = list(EXPERIMENTS) if args.dataset == "all" else [args.dataset]
    if args.protocol != "short" and "fashion-mnist" not in names:
        # Only FashionMNIST has a second protocol; silently running the usual one would mislead.
        raise UsageError(
            f"--protocol {args.protocol} applies to fashion-mnist (or all), not {args.dataset}"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    cache_dir = args.cache_dir if args.cache_dir is not None else args.out / "cache"
    tables = {}
    for name in names:
        module = importlib.import_module(f".reproduce.{EXPERIMENTS[name]}", __package__)
        options = {"cache_dir": cache_dir} if name in ("fashion-mnist", "sentiment") else {}
        if name == "sentiment" and args.max_samples is not None:
            options["max_samples"] = args.max_samples
        if name == "fashion-mnist":
            options["protocol"] = args.protocol
        log(f"== {name} ==")
        tables[name] = module.run(
            runs=args.runs, out=args.out, quick=args.quick, log=log, **options
        )
        log("")
    return tables


def main(argv=None):
    """Entry point of ``python -m skdistill`` and of the ``skdistill`` script.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        0 on success, 1 when data are missing, 2 on a usage error or a
        missing optional dependency.
    """
    args = build_parser().parse_args(argv)
    clock = time.perf_counter()
    try:
        reproduce(args)
    except (MissingDependency, UsageError) as exc:
        print(f"skdistill: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"skdistill: error: {exc}", file=sys.stderr)
        return 1
    print(f"Total wall time: {time.perf_counter() - clock:.1f} s; results in {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
