"""Error types of the command lines, an argument parser whose errors are one line, and the
option values several command lines parse alike."""
from __future__ import annotations

import argparse
import re
import sys
from typing import Any, Callable, NoReturn

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit status 2."""


class RunError(Exception):
    """Something went wrong that is not the user's input (a build, a binary): exit status 1."""


def one_line(message: str) -> str:
    """Collapses a message onto one line."""
    return " ".join(str(message).split())


def report_error(prog: str, message: str) -> None:
    """Prints `prog: error: message` as exactly one line on stderr."""
    print(f"{prog}: error: {one_line(message)}", file=sys.stderr, flush=True)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with its errors as one line on stderr and exit status 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def typed(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """Wraps a parser raising ValueError into an argparse type (so errors stay one line)."""
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return convert


def regex(text: str) -> str:
    """A regular expression Python's re accepts, unchanged."""
    try:
        re.compile(text)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {text!r}: {exc}") from None
    return text


def number(what: str, form: str, valid: Callable[[float], bool],
           bounds: str) -> Callable[[str], float]:
    """A parser of a number named `what` in its errors: `form` says what is expected, `bounds`
    what a number failing `valid` is outside of."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"invalid {what} {text!r} ({form})") from None
        if not valid(value):
            raise ValueError(f"invalid {what} {text!r} ({bounds})")
        return value
    return parse


def probability(what: str, example: str) -> Callable[[str], float]:
    """A parser of a probability strictly between 0 and 1, named `what` in its errors."""
    return number(what, f"a probability such as {example}", lambda value: 0 < value < 1,
                  "must lie strictly between 0 and 1")
