"""A remark's search tokens (see storage.search_index), apart from any database code: the processes that read
minutes for an import compute them, and start the quicker for importing little."""

from __future__ import annotations

import operator
import re

_WORD = re.compile(r"[a-z0-9]+|[^\W_a-z0-9]+")


def search_tokens(normalized: str) -> list[str]:
    """Latin words whole, other runs of letters as overlapping bigrams (a lone character as itself)."""
    tokens: list[str] = []
    for run in _WORD.findall(normalized):
        if run.isascii() or len(run) == 1:
            tokens.append(run)
        else:
            tokens += map(operator.add, run, run[1:])  # each character with the next
    return tokens


def remark_tokens(normalized: str) -> str:
    """A remark's search tokens as the index is given them, its speaker's token apart."""
    return " ".join(search_tokens(normalized))
