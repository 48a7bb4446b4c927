"""``np.einsum``'s integer-list form, written as the subscript string it stands for.

In: a call ``np.einsum(a, [0, 1], b, [1, 2], [0, 2])`` (operands each followed by a list of
integers, or ``...``, written in the call; an output list last, or none).
Out: ``np.einsum('ab,bc->ac', a, b)``, the same einsum, which the rule tables cover; None for
any other call (a list held in a variable stays as it is, and its use is refused there).
"""
from __future__ import annotations

import gast
import numpy as np

from ..rules.template import const, constant_int

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _sublist(node: gast.expr) -> str | None:
    """``[0, 1]`` -> 'ab', ``[Ellipsis, 1]`` / ``[..., 1]`` -> '...b'; None if not literal."""
    if not isinstance(node, (gast.List, gast.Tuple)):
        return None
    letters = []
    for item in node.elts:
        number = constant_int(item)
        if isinstance(item, gast.Constant) and item.value is Ellipsis or (
                isinstance(item, gast.Name) and item.id == "Ellipsis"):
            letters.append("...")
        elif number is not None and 0 <= number < len(_LETTERS):
            letters.append(_LETTERS[number])
        else:
            return None
    return "".join(letters)


def einsum_from_sublists(call: gast.Call, resolved) -> gast.Call | None:
    """The string form of an integer-list einsum call (``resolved`` is the function the call
    names), or None."""
    args = call.args
    if resolved is not np.einsum or call.keywords or len(args) < 2 or isinstance(
            args[0], gast.Constant) or any(isinstance(a, gast.Starred) for a in args):
        return None
    pairs = args[:len(args) - len(args) % 2]  # an odd count: the output's list comes last
    operands, subscripts = pairs[0::2], [_sublist(a) for a in pairs[1::2]]
    output = [_sublist(args[-1])] if len(args) % 2 else []
    if any(s is None for s in subscripts + output):
        return None
    text = ",".join(subscripts) + "".join("->" + s for s in output)
    return gast.Call(func=call.func, args=[const(text)] + list(operands), keywords=[])
