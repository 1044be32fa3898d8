"""What every example shares: its command line, its result lines and its training-curve PNG.

Not an example itself. Every example accepts:

    --out DIR   where PNGs and saved models go (default: examples/output/, git-ignored)
    --quick     a tiny slice of the data and one epoch, so CI can run every example in
                seconds (also switched on by the environment variable MINIKERAS_EXAMPLE_QUICK=1)

and prints each figure it reaches as one line, ``result: NAME = VALUE (...)``, which
tests/examples/ reads back. The PNGs need matplotlib (``pip install "minikeras[plot]"``);
without it an example still trains and prints its results, and says that it made no PNG.
"""
import argparse
import os
import sys
from pathlib import Path

import minikeras as keras

QUICK_ENV = "MINIKERAS_EXAMPLE_QUICK"
DEFAULT_OUT = Path(__file__).resolve().parent / "output"


def parse_args(doc):
    """Parse ``--out`` and ``--quick``; make the output directory; print the mode."""
    parser = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"directory for PNGs and saved models (default: {DEFAULT_OUT})")
    parser.add_argument("--quick", action="store_true",
                        help=f"tiny data slice and one epoch, for CI (or set {QUICK_ENV}=1)")
    args = parser.parse_args()
    args.quick = args.quick or os.environ.get(QUICK_ENV, "") not in ("", "0")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.quick:
        print("quick mode: a tiny slice of the data and one epoch; the figures below are not "
              "the example's real results")
    return args


def quick_slice(args, train, test, epochs):
    """In quick mode, the first 500 training and 200 test samples and one epoch."""
    if not args.quick:
        return train, test, epochs
    return tuple(a[:500] for a in train), tuple(a[:200] for a in test), 1


def report(name, value, note=""):
    """Print one result line: ``result: NAME = VALUE (NOTE)``."""
    text = f"{value:.4f}" if isinstance(value, float) else str(value)
    print(f"result: {name} = {text}" + (f" ({note})" if note else ""), flush=True)


def matplotlib_pyplot():
    """``matplotlib.pyplot`` with a file-only backend, or None (after saying so) without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        print('no PNG: matplotlib is not installed (pip install "minikeras[plot]" or '
              "pip install matplotlib)", file=sys.stderr)
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_history(history, path, title=None):
    """Save the training curves with ``keras.utils.plot_history``; return the path, or None
    (after saying why) when matplotlib is missing."""
    try:
        keras.utils.plot_history(history, path, title=title)
    except ImportError as error:
        print(f"no PNG: {error}", file=sys.stderr)
        return None
    print(f"training curves saved to {path}")
    return path
