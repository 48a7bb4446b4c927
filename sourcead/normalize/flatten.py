"""Flattening into one operation per statement (A-normal form).

In: the jump-free function body, the Namer, the Environment and ``local_names`` (names
that are not globals).
Out: ``Flattener(namer, env, locals_).block(body)`` returns statements that each do one
operation on atoms (names, constants, attributes of modules such as ``np.pi``); nested
operands get descriptive temporaries. ``a[i] = v`` becomes ``a = with_item(a, i, v)``,
ternaries and ``and``/``or`` become branches (keeping the short circuit), if and while tests
become names (a while test is recomputed at the end of the body), and a ``for`` over
anything but ``range`` (``enumerate``, ``zip``, ``reversed`` included) iterates over
indices.
"""
from __future__ import annotations

import builtins
import copy

import gast

from ..naming import Namer, describe, mark
from ..parse import Environment
from ..rules.template import walk, assign, const, index_value, name
from .common import RESULT, _located, enumerated_zip, error
from .einsum import einsum_from_sublists
from .writes import WRITE


def local_names(fn: gast.FunctionDef, body: list[gast.stmt]) -> set[str]:
    """Parameters and every name the body assigns: these are not globals."""
    params = {a.id for a in fn.args.args}
    stored = {n.id for n in walk(gast.Module(body=body, type_ignores=[]))
              if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    return params | stored


class Flattener:
    """One operation per statement; nested operands get descriptive temporaries."""

    def __init__(self, namer: Namer, env: Environment, locals_: set[str]):
        self.namer, self.env, self.locals = namer, env, locals_

    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for s in stmts:
            out.extend(_located(self.stmt(s), s))
        return out

    def stmt(self, s: gast.stmt) -> list[gast.stmt]:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript):
            return self.write(s)
        if isinstance(s, gast.Assign):
            target = s.targets[0].id
            if isinstance(s.value, (gast.IfExp, gast.BoolOp)):  # branches assign the target
                make = self.if_expression if isinstance(s.value, gast.IfExp) else self.bool_operation
                return make(s.value, target, into=target)[0]
            pre, value = self.operation(s.value, hint=target)
            return pre + [gast.Assign(targets=s.targets, value=value, type_comment=None)]
        if isinstance(s, gast.Return):
            pre, atom = self.atom(s.value if s.value is not None else const(None), RESULT)
            if not isinstance(atom, gast.Name):
                tmp = self.namer.fresh(RESULT)
                pre, atom = pre + [assign(tmp, atom)], name(tmp)
            return pre + [gast.Return(value=atom)]
        if isinstance(s, gast.If):
            pre, test = self.test(s.test)
            return pre + [gast.If(test=test, body=self.block(s.body), orelse=self.block(s.orelse))]
        if isinstance(s, gast.While):
            return self.while_loop(s)
        if isinstance(s, gast.For):
            return self.for_loop(s)
        if isinstance(s, gast.Expr):
            pre, call = self.operation(s.value, hint="t")
            return pre + [gast.Expr(value=call)]
        if isinstance(s, gast.Raise):
            return self.raise_statement(s)
        if isinstance(s, gast.Assert):
            pre, test = self.test(s.test)
            if s.msg is None or self.plain_message(s.msg):
                return pre + [gast.Assert(test=test, msg=s.msg)]
            pre2, msg = self.atom(s.msg, "message")
            return pre + pre2 + [gast.Assert(test=test, msg=msg)]
        return [s]  # break

    def raise_statement(self, s: gast.Raise) -> list[gast.stmt]:
        """``raise E(...)`` stays a statement of its own, on atoms: the derivative raises
        where the function does (a branch that raises is control flow like any other)."""
        if s.cause is None and (s.exc is None or self.plain_message(s.exc)):
            return [s]    # as written: `raise ValueError(f"{n} rows")`
        pre, exc = self.atom(s.exc, "error") if s.exc is not None else ([], None)
        pre2, cause = self.atom(s.cause, "cause") if s.cause is not None else ([], None)
        return pre + pre2 + [gast.Raise(exc=exc, cause=cause)]

    def plain_message(self, node: gast.expr) -> bool:
        """Whether a raised error or an assert's message only formats local names, their
        attributes and constants (``ValueError(f"too big: {y}")``, a builtin exception class,
        ``f"shape {x.shape}"``): it is kept
        as written, since nothing differentiates it and it runs only when raising."""
        for n in walk(node):
            if isinstance(n, gast.Call):
                if not _builtin_exception(self.env.resolve(n.func)):
                    return False
            elif isinstance(n, gast.Name):
                if n.id not in self.locals and not _builtin_exception(self.env.resolve(n)):
                    return False
            elif not isinstance(n, (gast.Constant, gast.JoinedStr, gast.FormattedValue,
                                    gast.keyword, gast.expr_context, gast.Attribute)):
                return False
        return True

    def write(self, s: gast.Assign) -> list[gast.stmt]:
        """``a[i] = v`` -> ``a = with_item(a, i, v)``: the write as the value it makes."""
        target = s.targets[0]
        pre, index = self.index(target.slice)
        hint = describe(s.value)
        pre2, value = self.atom(s.value, hint if hint != "t" else f"{target.value.id}_new")
        call = gast.Call(func=name(WRITE), args=[name(target.value.id), index_value(index), value],
                         keywords=[])
        return pre + pre2 + [assign(target.value.id, call)]

    def test(self, node: gast.expr) -> tuple[list[gast.stmt], gast.expr]:
        """An if/while test becomes a name, or ``not name``."""
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.Not):
            pre, inner = self.atom(node.operand, describe(node.operand))
            pre, inner = self._named(pre, inner, "cond")
            return pre, gast.UnaryOp(op=gast.Not(), operand=inner)
        pre, atom = self.atom(node, describe(node))
        return self._named(pre, atom, "cond")

    def _named(self, pre, atom, base):
        if isinstance(atom, gast.Name) and atom.id in self.locals:
            return pre, atom
        tmp = self.namer.fresh(base)
        return pre + [assign(tmp, atom)], name(tmp)

    def while_loop(self, s: gast.While) -> list[gast.stmt]:
        pre, test = self.test(s.test)
        if isinstance(test, gast.UnaryOp):  # `while not x:` keeps a plain name as its test
            tmp = self.namer.fresh("cond")
            pre, test = pre + [assign(tmp, test)], name(tmp)
        body = self.block(s.body)
        recompute = _located(copy.deepcopy(pre), s)
        if body and _is_break_trailer(body[-1]):
            flag = body[-1].test
            guarded = gast.If(test=gast.UnaryOp(op=gast.Not(), operand=copy.deepcopy(flag)),
                              body=recompute, orelse=[])
            body = body[:-1] + _located([guarded], s) + [body[-1]]
        else:
            body = body + recompute
        return pre + [gast.While(test=test, body=body, orelse=[])]

    def for_loop(self, s: gast.For) -> list[gast.stmt]:
        rewritten = self.iteration_helpers(s)
        if rewritten is not None:
            return self.block(rewritten)
        if not isinstance(s.target, gast.Name):
            raise error(s, self.env, "loop over several targets", "unpack inside the loop body")
        if any(isinstance(n, gast.Name) and n.id == s.target.id and isinstance(n.ctx, gast.Store)
               for b in s.body for n in walk(b)):
            raise error(s, self.env, "assignment to the loop variable inside the loop",
                        "use another name for the new value")
        it = s.iter
        if self.range_like(it):
            pre, rng = self.range_atoms(it)
            return pre + [gast.For(target=s.target, iter=rng, body=self.block(s.body),
                                   orelse=[], type_comment=None)]
        pre, seq = self.atom(it, describe(it))
        pre, seq = self._named(pre, seq, "seq")
        index = self.namer.fresh("i" if s.target.id != "i" else "k")
        element = assign(s.target.id, gast.Subscript(value=copy.deepcopy(seq), slice=name(index),
                                                     ctx=gast.Load()))
        rng = gast.Call(func=name(mark("range")), args=[gast.Call(func=name(mark("len")), args=[seq],
                                                            keywords=[])], keywords=[])
        len_tmp = self.namer.fresh(f"len_{seq.id}")
        pre = pre + [assign(len_tmp, rng.args[0])]
        rng.args = [name(len_tmp)]
        body = _located([element], s) + self.block(s.body)
        return pre + [gast.For(target=name(index, store=True), iter=rng, body=body, orelse=[],
                               type_comment=None)]

    def iteration_helpers(self, s: gast.For) -> list[gast.stmt] | None:
        """``enumerate``, ``zip`` and ``reversed`` become loops over indices."""
        it = s.iter
        if not (isinstance(it, gast.Call) and not it.keywords):
            return None
        helper = self.env.resolve(it.func)
        targets = s.target.elts if isinstance(s.target, gast.Tuple) else [s.target]
        if enumerated_zip(it, s.target, self.env) and all(
                isinstance(t, gast.Name) for t in [targets[0], *targets[1].elts]):
            return self._indexed(s, [t.id for t in targets[1].elts], it.args[0].args,
                                 index=targets[0].id)
        if not all(isinstance(t, gast.Name) for t in targets):
            return None
        if helper is builtins.reversed and len(it.args) == 1 and isinstance(s.target, gast.Name):
            if self.range_like(it.args[0]):
                return [self._loop(s, s.target.id, _reverse(it.args[0]), [])]
            return self._indexed(s, [s.target.id], it.args, reverse=True)
        if helper is builtins.enumerate and len(it.args) == 1 and len(targets) == 2:
            return self._indexed(s, [targets[1].id], it.args, index=targets[0].id)
        if helper is builtins.zip and len(it.args) == len(targets) >= 2:
            return self._indexed(s, [t.id for t in targets], it.args)
        return None

    def _indexed(self, s: gast.For, names: list[str], sequences: list[gast.expr],
                 index: str | None = None, reverse: bool = False) -> list[gast.stmt]:
        """``for i in range(n): a = xs[i]; b = ys[i]; <body>`` (n the shortest length)."""
        index = index or self.namer.fresh("i")
        pre, seqs, backwards = [], [], []
        for seq in sequences:
            # ``zip(reversed(xs), ys)``: read ``xs`` from its end (an iterator has no len)
            backwards.append(reverse or self.reversed_call(seq))
            seq = seq.args[0] if self.reversed_call(seq) else seq
            if not isinstance(seq, gast.Name):
                tmp = self.namer.fresh(describe(seq) if describe(seq) != "t" else "seq")
                pre.append(_located([assign(tmp, seq)], s)[0])
                seq = name(tmp)
            seqs.append(seq)
        lengths = [gast.Call(func=name(mark("len")), args=[copy.deepcopy(q)], keywords=[]) for q in seqs]
        count = lengths[0] if len(lengths) == 1 else gast.Call(func=name(mark("min")), args=lengths,
                                                               keywords=[])
        rng = gast.Call(func=name(mark("range")), args=[count], keywords=[])
        rng = _reverse(rng) if reverse else rng
        reads = [assign(n, gast.Subscript(value=copy.deepcopy(q), ctx=gast.Load(),
                                          slice=_from_end(q, index) if back and not reverse
                                          else name(index)))
                 for n, q, back in zip(names, seqs, backwards)]
        return pre + [self._loop(s, index, rng, _located(reads, s))]

    def reversed_call(self, node: gast.expr) -> bool:
        return (isinstance(node, gast.Call) and len(node.args) == 1 and not node.keywords
                and self.env.resolve(node.func) is builtins.reversed)

    @staticmethod
    def _loop(s: gast.For, target: str, iterable: gast.expr, first: list[gast.stmt]) -> gast.For:
        loop = gast.For(target=name(target, store=True), iter=iterable, body=first + s.body,
                        orelse=[], type_comment=None)
        return _located([loop], s)[0]

    def range_like(self, node: gast.expr) -> bool:
        """``range(...)``, or a slice of one (``range(n)[::-1]``, as generated code has)."""
        if isinstance(node, gast.Call):
            return self.env.resolve(node.func) is builtins.range and not node.keywords
        return isinstance(node, gast.Subscript) and self.range_like(node.value)

    def range_atoms(self, node: gast.expr) -> tuple[list[gast.stmt], gast.expr]:
        if isinstance(node, gast.Call):
            pre, args = self.atoms(node.args)
            return pre, gast.Call(func=name(mark("range")), args=args, keywords=[])
        pre, value = self.range_atoms(node.value)
        pre2, index = self.index(node.slice)
        return pre + pre2, gast.Subscript(value=value, slice=index, ctx=gast.Load())

    # expressions

    def operation(self, node: gast.expr, hint: str) -> tuple[list[gast.stmt], gast.expr]:
        """Flatten ``node`` so that it is one operation on atoms."""
        if isinstance(node, gast.BinOp):
            pre, (left, right) = self.atoms([node.left, node.right])
            return pre, gast.BinOp(left=left, op=node.op, right=right)
        if isinstance(node, gast.UnaryOp):
            if isinstance(node.op, gast.USub) and isinstance(node.operand, gast.Constant):
                return [], const(-node.operand.value)
            pre, operand = self.atom(node.operand, describe(node.operand))
            return pre, gast.UnaryOp(op=node.op, operand=operand)
        if isinstance(node, gast.Compare):
            return self.compare(node)
        if isinstance(node, gast.Call):
            literal = self.as_display(node)
            return self.operation(literal, hint) if literal is not None else self.call(node)
        if isinstance(node, gast.Subscript):
            pre, value = self.atom(node.value, describe(node.value))
            pre2, index = self.index(node.slice)
            return pre + pre2, gast.Subscript(value=value, slice=index, ctx=gast.Load())
        if isinstance(node, gast.Attribute):
            if self.is_atom(node):
                return [], node
            pre, value = self.atom(node.value, describe(node.value))
            return pre, gast.Attribute(value=value, attr=node.attr, ctx=gast.Load())
        if isinstance(node, (gast.Tuple, gast.List)):
            pre, elts = self.atoms(node.elts)
            return pre, type(node)(elts=elts, ctx=gast.Load())
        if isinstance(node, gast.Dict):
            if any(k is None for k in node.keys):
                raise error(node, self.env, "`**` in a dict literal", "write the keys out")
            pre, keys = self.atoms(node.keys)
            pre2, values = self.atoms(node.values)
            return pre + pre2, gast.Dict(keys=keys, values=values)
        if isinstance(node, gast.IfExp):
            return self.if_expression(node, hint)
        if isinstance(node, gast.NamedExpr):  # (y := v): y = v, then the value is y
            return self._assign_flat(node.target.id, node.value), name(node.target.id)
        if isinstance(node, gast.BoolOp):
            return self.bool_operation(node, hint)
        if self.is_atom(node):
            return [], node
        raise error(node, self.env, f"{type(node).__name__} expression",
                    "rewrite it with plain arithmetic and calls")

    def as_display(self, node: gast.Call) -> gast.expr | None:
        """``dict(a=x, b=y)`` -> ``{'a': x, 'b': y}``, ``tuple([x, y])`` -> ``(x, y)``,
        ``list((x, y))`` -> ``[x, y]``: the same container, written as the display the rest
        of sourcead reads (None for any other call)."""
        kind = self.env.resolve(node.func)
        if kind is builtins.dict and not node.args and all(k.arg for k in node.keywords):
            return gast.Dict(keys=[const(k.arg) for k in node.keywords],
                             values=[k.value for k in node.keywords])
        if kind in (builtins.tuple, builtins.list) and len(node.args) == 1 \
                and not node.keywords and isinstance(node.args[0], (gast.Tuple, gast.List)) \
                and not any(isinstance(e, gast.Starred) for e in node.args[0].elts):
            display = gast.Tuple if kind is builtins.tuple else gast.List
            return display(elts=list(node.args[0].elts), ctx=gast.Load())
        return None

    def compare(self, node: gast.Compare) -> tuple[list[gast.stmt], gast.expr]:
        if len(node.ops) > 1:  # a < b < c  ->  a < b and b < c
            parts = []
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                parts.append(gast.Compare(left=left, ops=[op], comparators=[right]))
                left = right
            return self.operation(gast.BoolOp(op=gast.And(), values=parts), "cond")
        pre, (left, right) = self.atoms([node.left, node.comparators[0]])
        return pre, gast.Compare(left=left, ops=node.ops, comparators=[right])

    def call(self, node: gast.Call) -> tuple[list[gast.stmt], gast.expr]:
        node = einsum_from_sublists(node, self.env.resolve(node.func)) or node
        func = node.func
        if (len(node.args) > 2 and not node.keywords and self.env.resolve(func) in (min, max)
                and not any(isinstance(a, gast.Starred) for a in node.args)):
            # min(a, b, c) is min(min(a, b), c): the rule is for two values
            pair = gast.Call(func=func, args=node.args[:2], keywords=[])
            return self.call(gast.Call(func=copy.deepcopy(func), args=[pair] + node.args[2:],
                                       keywords=[]))
        if _is_sum_of_literal(node, self.env):  # sum((a, b, c)) is a + b + c
            values = node.args[0].elts if not node.args[1:] else node.args[1:] + node.args[0].elts
            total = values[0] if values else const(0)
            for v in values[1:]:
                total = gast.BinOp(left=total, op=gast.Add(), right=v)
            return self.operation(_located([gast.Expr(value=total)], node)[0].value, "total")
        pre: list[gast.stmt] = []
        if isinstance(func, gast.Attribute) and not self.is_atom(func):
            pre, base = self.atom(func.value, describe(func.value))
            func = gast.Attribute(value=base, attr=func.attr, ctx=gast.Load())
        elif not isinstance(func, (gast.Name, gast.Attribute)):
            raise error(node, self.env, "call of a computed function", "call the function by name")
        pre2, args = self.call_arguments(node)
        keywords = []
        for kw in node.keywords:
            if kw.arg is None:
                raise error(node, self.env, "`**` in a call", "pass the keywords one by one")
            pre3, value = self.atom(kw.value, kw.arg)
            pre2 += pre3
            keywords.append(gast.keyword(arg=kw.arg, value=value))
        return pre + pre2, gast.Call(func=func, args=args, keywords=keywords)

    def call_arguments(self, node: gast.Call) -> tuple[list[gast.stmt], list[gast.expr]]:
        """Atoms; a list literal stays a list of atoms where the callee's rule takes a list
        of values (``np.stack([a, b])``), so each element keeps its own derivative."""
        from ..rules import lookup_call
        rule = lookup_call(self.env.resolve(node.func)) if isinstance(
            node.func, (gast.Name, gast.Attribute)) else None
        pre, args = [], []
        for k, arg in enumerate(node.args):
            if (rule is not None and k < len(rule.params) and rule.params[k] in rule.sequences
                    and isinstance(arg, (gast.List, gast.Tuple))):
                p, elts = self.atoms(arg.elts)
                pre, arg = pre + p, type(arg)(elts=elts, ctx=gast.Load())
            else:
                p, arg = self.atom(arg, describe(arg))
                pre += p
            args.append(arg)
        return pre, args

    def index(self, node: gast.expr) -> tuple[list[gast.stmt], gast.expr]:
        if isinstance(node, gast.Slice):
            pre, parts = [], []
            for part in (node.lower, node.upper, node.step):
                if part is None:
                    parts.append(None)
                    continue
                p, a = self.atom(part, describe(part))
                pre += p
                parts.append(a)
            return pre, gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(node, gast.Tuple):
            pre, elts = [], []
            for e in node.elts:
                p, a = self.index(e)
                pre += p
                elts.append(a)
            return pre, gast.Tuple(elts=elts, ctx=gast.Load())
        return self.atom(node, describe(node))

    def if_expression(self, node: gast.IfExp, hint: str,
                      into: str | None = None) -> tuple[list[gast.stmt], gast.expr]:
        tmp = into or self.namer.fresh(hint)
        self.locals.add(tmp)
        pre, test = self.test(node.test)
        body = self._assign_flat(tmp, node.body)
        orelse = self._assign_flat(tmp, node.orelse)
        return pre + [gast.If(test=test, body=body, orelse=orelse)], name(tmp)

    def bool_operation(self, node: gast.BoolOp, hint: str,
                       into: str | None = None) -> tuple[list[gast.stmt], gast.expr]:
        """``a and b`` keeps Python's short circuit: b is evaluated only when a is true."""
        tmp = into or self.namer.fresh(hint if hint != "t" else "cond")
        self.locals.add(tmp)
        out = self._assign_flat(tmp, node.values[0])
        for value in node.values[1:]:
            test = name(tmp) if isinstance(node.op, gast.And) else gast.UnaryOp(
                op=gast.Not(), operand=name(tmp))
            out.append(gast.If(test=test, body=self._assign_flat(tmp, value), orelse=[]))
        return out, name(tmp)

    def _assign_flat(self, target: str, value: gast.expr) -> list[gast.stmt]:
        self.locals.add(target)
        pre, op = self.operation(value, target)
        return _located(pre + [assign(target, op)], value)

    def atoms(self, nodes: list[gast.expr]) -> tuple[list[gast.stmt], list[gast.expr]]:
        pre, out = [], []
        for n in nodes:
            p, a = self.atom(n, describe(n))
            pre += p
            out.append(a)
        return pre, out

    def atom(self, node: gast.expr, hint: str) -> tuple[list[gast.stmt], gast.expr]:
        if self.is_atom(node):
            return [], node
        pre, op = self.operation(node, hint)
        if isinstance(op, (gast.Constant, gast.Name)):  # already an atom (e.g. a ternary's result)
            return pre, op
        tmp = self.namer.fresh(hint)
        self.locals.add(tmp)
        return pre + _located([assign(tmp, op)], node), name(tmp)

    def is_atom(self, node: gast.expr) -> bool:
        """Names, constants, and attributes of non-local objects (``np.pi``, ``math.e``)."""
        if isinstance(node, (gast.Name, gast.Constant)):
            return True
        if isinstance(node, gast.Attribute):
            root = node
            while isinstance(root, gast.Attribute):
                root = root.value
            return isinstance(root, gast.Name) and root.id not in self.locals
        return False


def _is_sum_of_literal(node: gast.Call, env: Environment) -> bool:
    return (isinstance(node.func, gast.Name) and env.resolve(node.func) is builtins.sum
            and 1 <= len(node.args) <= 2 and not node.keywords
            and isinstance(node.args[0], (gast.Tuple, gast.List)))


def _from_end(seq: gast.Name, index: str) -> gast.expr:
    """``len(seq) - 1 - index``: position ``index`` counted from the end."""
    length = gast.Call(func=name(mark("len")), args=[name(seq.id)], keywords=[])
    last = gast.BinOp(left=length, op=gast.Sub(), right=const(1))
    return gast.BinOp(left=last, op=gast.Sub(), right=name(index))


def _reverse(rng: gast.expr) -> gast.expr:
    """``range(...)[::-1]``: a reversed range that is still a range."""
    return gast.Subscript(value=rng, slice=gast.Slice(lower=None, upper=None, step=const(-1)),
                          ctx=gast.Load())


def _is_break_trailer(s: gast.stmt) -> bool:
    return isinstance(s, gast.If) and len(s.body) == 1 and isinstance(s.body[0], gast.Break)


def _builtin_exception(value: object) -> bool:
    """``ValueError`` and the other exception classes every module sees as builtins."""
    return isinstance(value, type) and issubclass(value, BaseException) \
        and getattr(builtins, value.__name__, None) is value
