"""The adjoint of each statement: ``Reverse`` walks a normalized function and builds its
primal sweep (with tape records) and its adjoint sweep, one adjoint block per statement.
"""
from __future__ import annotations

import copy
from types import ModuleType
from dataclasses import dataclass, field

import gast

from .. import shapes
from ..analyze import (kind_of_value, signature, value_kind, anchors_of, dims_of, has_shape_of,
                       refuse_container_arithmetic, Activity, Kind, broadcast, bound_arguments,
                       is_container, differentiable_operands, operands, operation, hint_for,
                       operation_function, reads, stack_pop, stack_push, user_call)
from ..errors import NoDerivativeError
from ..naming import NUMPY, Namer, Spelling, adjoint_name, mark, unmark
from ..parse import MISSING, Environment
from .. import runtime
from ..normalize import in_place, is_write
from ..rules import Rule, lookup_call
from ..rules.shaped import SHAPED
from ..rules.template import (name_nodes, summed, index_value, walk, clone, assign, const, expr,
                              index_syntax, name, substitute, times, without_defaults)
from .records import (Records, RequestCallee, _assigned_once, _axis_node, _defaults,
                      _is_break_trailer, _is_push, _is_record, _rebound, _stored, _write, comment,
                      without)
from .scalars import _number_first, _spread_value, _sums_over_axes, scalar_adjoints


@dataclass
class Reverse:
    fn: gast.FunctionDef
    env: Environment
    activity: Activity
    namer: Namer
    spelling: Spelling
    request_callee: RequestCallee
    source_lines: list[str]
    tape: str = ""
    bars: dict[str, str] = field(default_factory=dict)
    records: Records = field(default_factory=Records)
    in_place: frozenset = frozenset()  # arrays whose adjoint is updated in place here
    # id(statement) -> the adjoint it consumes, for statements a plain-zero adjoint (one that
    # nothing reached) would break: ``unreached`` makes them conditional where it may be one
    fragile: dict[int, str] = field(default_factory=dict)

    lazy: frozenset[str] = frozenset()
    # per variable read for its shape: ``np.broadcast(a, b)`` of the anchors that give it,
    # for optimize to read instead where nothing else needs the variable
    broadcasts: dict[str, gast.expr] = field(default_factory=dict)

    def __post_init__(self):
        self.tape = self.namer.fresh("tape")
        self.lazy = scalar_adjoints(self)

    # ---- names -------------------------------------------------------------------------------
    def bar(self, var: str) -> str:
        if var not in self.bars:
            self.bars[var] = self.namer.fresh(adjoint_name(var))
        return self.bars[var]

    def active(self, node: gast.AST) -> bool:
        return self.activity.is_active(node)

    # ---- sweeps ------------------------------------------------------------------------------
    def block(self, stmts: list[gast.stmt]) -> tuple[list[gast.stmt], list[gast.stmt]]:
        primal, adjoints = [], []
        for s in stmts:
            p, a = self.statement(s)
            primal.extend(p)
            adjoints.append(a)
        # (the adjoint sweep runs backward; prepending each part was quadratic)
        return primal, [t for a in reversed(adjoints) for t in a]

    def statement(self, s: gast.stmt) -> tuple[list[gast.stmt], list[gast.stmt]]:
        if isinstance(s, gast.Assign):
            return self.assignment(s)
        if isinstance(s, gast.If):
            return self.branch(s)
        if isinstance(s, gast.For):
            return self.for_loop(s)
        if isinstance(s, gast.While):
            return self.while_loop(s)
        push = stack_push(s)
        if push is not None and push[0] in self.activity.active:
            stack, value = push  # its adjoint takes the value's adjoint back off the stack
            popped = expr("t.pop()", t=self.bar(stack))
            if self.active(value):
                return [s], [assign(self.bar(value.id), self.plus(value.id, [name(self.bar(value.id)),
                                                                            popped]))]
            return [s], [gast.Expr(value=popped)]
        return [s], []  # print(...), the `if flag: break` trailer, the final return

    def recorded(self, target: str, primal: list[gast.stmt], adjoint_of: list[gast.stmt],
                 restore_first: bool, after: int = 0) -> tuple[list[gast.stmt], list[gast.stmt]]:
        """Wrap a definition of ``target`` with a tape record (pruned later if unneeded). The
        old value comes back before the adjoint statements that read it (``restore_first``),
        but ``after`` the first ones when those pop what a callee recorded above it."""
        push = gast.Expr(value=expr("tape.append(v)", tape=self.tape, v=target))
        pop = assign(target, expr("tape.pop()", tape=self.tape))
        self.records.pairs.append((push, pop))
        at = after if restore_first else len(adjoint_of)
        adjoint = adjoint_of[:at] + [pop] + adjoint_of[at:]
        return [push] + primal, adjoint

    def assignment(self, s: gast.Assign) -> tuple[list[gast.stmt], list[gast.stmt]]:
        if is_write(s):
            return self.write(s)
        target = s.targets[0].id
        primal, adjoint = self.adjoint_of_assign(s)
        self_reference = target in operands(s.value)
        if self.activity.kind(target).tag == "list":
            primal, adjoint = self.list_assignment(target, primal, adjoint, self_reference)
            return primal, self.commented(s, adjoint)
        if target in self.activity.active and not _assigns(adjoint, self.bar(target)):
            # the overwritten value's adjoint starts from zero
            adjoint = adjoint + [assign(self.bar(target), const(0.0))]
        # the callee's records lie above this one on the tape: its adjoint pops them first
        callee = operation(s.value, self.env).user is not None and bool(adjoint)
        primal, adjoint = self.recorded(target, primal, adjoint, restore_first=self_reference,
                                        after=1 if self_reference and callee else 0)
        return primal, self.commented(s, adjoint)

    def write(self, s: gast.Assign) -> tuple[list[gast.stmt], list[gast.stmt]]:
        """``a[i] = v`` in place. The elements it overwrites go on the tape and come back in
        the adjoint sweep, after ``v`` took its adjoint from ``a_bar[i]`` (then zeroed)."""
        array, index, value, primal = in_place(s, self.activity.kind(s.targets[0].id), self.env)
        adjoint = [] if array not in self.activity.active else \
            self.write_adjoint_in_place(array, index, value) \
            if array in self.in_place and self.basic_index(index) else \
            self.rule_adjoint(s, lookup_call(runtime.with_item))
        old = expr("a[i]" if self.part_dims(array, index) == "" else "np.copy(a[i])",
                   a=array, i=index_syntax(index))  # an element read is a copy already
        push = gast.Expr(value=expr("tape.append(v)", tape=self.tape,
                                    v=self.spelling.spell(old, False)))
        restore = _write(array, index_syntax(index), expr("tape.pop()", tape=self.tape))
        self.records.pairs.append((push, restore))
        return [push, primal], self.commented(s, adjoint + [restore])

    def write_adjoint_in_place(self, array: str, index: gast.expr, value: gast.expr):
        """``v_bar += a_bar[i]``, then ``a_bar[i] = 0.0``: the write replaced those elements.
        (A copy of ``a_bar[i]`` where it may be a view, which the zeroing would change.)"""
        part = gast.Subscript(value=name(self.bar(array)), slice=index_syntax(index), ctx=gast.Load())
        out = []
        if self.active(value):
            dims = self.part_dims(array, index)
            if self.activity.kind(value.id).tag != "scalar" and dims != "":
                part = self.spelling.spell(expr("np.copy(p)", p=part), False)
            if not shapes.covers(dims_of(self.activity.kind(value.id)), dims):
                part = expr("unbroadcast(p, v)", p=part, v=value)
            out = self.accumulate(array, [(value.id, part)])
        return out + [_write(self.bar(array), index_syntax(index), const(0.0))]

    def part_dims(self, array: str, index: gast.expr) -> str | None:
        """The shape signature of ``array[index]`` (None: not known)."""
        read = gast.Subscript(value=name(array), slice=index_syntax(index), ctx=gast.Load())
        return signature(read, self.activity.kinds, self.env)

    def list_assignment(self, target: str, primal, adjoint, self_reference: bool):
        """A list's adjoint is always a list as long as the list (appends pop from it): where
        a list variable is rebound, the old list's adjoint restarts as zeros shaped like it."""
        primal, adjoint = self.recorded(target, primal, adjoint, restore_first=self_reference)
        if (target in self.activity.active and _rebound(self.fn.body, target)
                and not _assigns(adjoint, self.bar(target))):  # `xs = f(xs)` replaced it
            adjoint = adjoint + [assign(self.bar(target), expr("zeros_like(x)", x=target))]
        return primal, adjoint

    def commented(self, s: gast.stmt, adjoint: list[gast.stmt]) -> list[gast.stmt]:
        line = getattr(s, "lineno", None)
        if not line or not any(not _is_record(a) for a in adjoint):
            return adjoint
        text = self.source_lines[line - 1].strip() if line <= len(self.source_lines) else ""
        return [comment(f"adjoint of line {line}: {text}")] + adjoint

    def frozen(self, s: gast.stmt, header: gast.expr):
        """The adjoint re-reads a test or loop bound after the body ran; when the body
        assigns those names, read a copy taken before it instead."""
        changed = sorted(reads(header) & _stored(s.body + getattr(s, "orelse", [])))
        primal, adjoint, subs = [], [], {}
        for var in changed:
            copy_name = self.namer.fresh(f"{var}_before")
            p, a = self.assignment(assign(copy_name, name(var)))
            primal, adjoint, subs[var] = primal + p, a + adjoint, copy_name
        return primal, adjoint, substitute(header, subs) if subs else header

    def branch(self, s: gast.If):
        pre, post, test = self.frozen(s, s.test)
        s = gast.If(test=test, body=s.body, orelse=s.orelse)
        primal_body, adjoint_body = self.block(s.body)
        primal_else, adjoint_else = self.block(s.orelse)
        primal = gast.If(test=s.test, body=primal_body or [gast.Pass()], orelse=primal_else)
        adjoint = gast.If(test=copy.deepcopy(s.test), body=adjoint_body, orelse=adjoint_else)
        return pre + [primal], [adjoint] + post

    def for_loop(self, s: gast.For):
        return self.with_owned_adjoints(s, self.for_loop_plain)

    def while_loop(self, s: gast.While):
        return self.with_owned_adjoints(s, self.while_loop_plain)

    def with_owned_adjoints(self, s, reverse_loop):
        """The adjoint loop updates in place the adjoints of arrays it indexes (``x_bar[i] =
        x_bar[i] + v_bar``: O(1), where a new array per element read would be O(n)). Before
        it, each such adjoint becomes an array of its own (``owned``), and inside the loop it
        is only indexed or replaced by a sum, so no other name can share it."""
        buffers = self.loop_buffers(s)
        outer, self.in_place = self.in_place, self.in_place | frozenset(buffers)
        try:
            primal, adjoint = reverse_loop(s)
        finally:
            self.in_place = outer
        owned = [assign(self.bar(a), expr("owned(b, a)", b=self.bar(a), a=a)) for a in buffers]
        return primal, owned + adjoint

    def loop_buffers(self, s: gast.stmt) -> list[str]:
        """Active arrays indexed in the loop (with ints and slices) that it never rebinds."""
        rebound = {n.targets[0].id for n in walk(s) if isinstance(n, gast.Assign)
                   and isinstance(n.targets[0], gast.Name) and not is_write(n)}
        indexed = {n.value.id for n in walk(s) if isinstance(n, gast.Subscript)
                   and isinstance(n.value, gast.Name) and self.basic_index(n.slice)}
        indexed |= {n.targets[0].id for n in walk(s) if is_write(n)
                    and self.basic_index(n.value.args[1])}
        return sorted(a for a in indexed - rebound - self.in_place
                      if a in self.activity.active and a not in self.activity.stacks
                      and self.activity.kind(a).tag in ("array", "unknown"))

    def basic_index(self, index: gast.expr) -> bool:
        """Ints and slices (each element named at most once), as syntax or as values."""
        if isinstance(index, gast.Tuple):
            return all(self.basic_index(e) for e in index.elts)
        if isinstance(index, gast.Slice):
            return all(p is None or self.basic_index(p) for p in (index.lower, index.upper, index.step))
        if isinstance(index, gast.Call) and isinstance(index.func, gast.Name) \
                and index.func.id == mark("slice"):
            return all(self.basic_index(p) for p in index.args)
        if isinstance(index, gast.Constant):
            return index.value is None or type(index.value) is int
        return isinstance(index, gast.Name) and self.activity.kind(index.id).tag == "int"

    def for_loop_plain(self, s: gast.For):
        pre_loop, post_loop, iterable = self.frozen(s, s.iter)
        s = gast.For(target=s.target, iter=iterable, body=s.body, orelse=[], type_comment=None)
        body = s.body
        has_break = bool(body) and _is_break_trailer(body[-1])
        pre_p, pre_a, count = [], [], None
        if has_break:
            count = self.namer.fresh("trips")
            pre_p, pre_a = self.assignment(assign(count, const(0)))
            body = [assign(count, expr("n + 1", n=count))] + body
        first_record = len(self.records.pairs)
        primal_body, adjoint_body = self.block(body)
        primal_body, adjoint_body = self.recomputed(s, body, primal_body, adjoint_body,
                                                    self.records.pairs[first_record:])
        iterable = s.iter if count is None else expr("r[:n]", r=s.iter, n=count)
        # `range(...)[::-1]` rather than `reversed(...)`: a range, which can be reversed again
        primal = gast.For(target=s.target, iter=s.iter, body=primal_body, orelse=[],
                          type_comment=None)
        adjoint = gast.For(target=copy.deepcopy(s.target), iter=expr("r[::-1]", r=iterable),
                           body=adjoint_body, orelse=[], type_comment=None)
        primal_loop, adjoint_loop = self.recorded(s.target.id, [primal], [adjoint], False)
        return pre_loop + pre_p + primal_loop, adjoint_loop + pre_a + post_loop

    def recomputed(self, loop: gast.For, body, primal, adjoint, pairs):
        """Values an iteration computes cheaply from its loop variable and from values the
        loop leaves alone (``w_j = w[j]``, ``i_plus_j = i + j``) are computed again at the top
        of the adjoint iteration, as a person would write it, instead of going via the tape."""
        stored = _stored(loop.body) - {loop.target.id}
        once = _assigned_once(self.fn)
        read_before: set[str] = set()
        found, again = set(), []
        for st in body:
            target = st.targets[0].id if isinstance(st, gast.Assign) and isinstance(
                st.targets[0], gast.Name) else None
            if target in once and target not in read_before and not is_write(st) \
                    and self.cheap(st.value) \
                    and all(v in found or v not in stored for v in reads(st.value)):
                pair = next((p for p in pairs if _is_push(p[0].value, self.tape)
                             and p[0].value.args[0].id == target), None)
                if pair is not None:
                    found.add(target)
                    again.append((st, pair))
            read_before |= reads(st)
        dead = {id(x) for _, pair in again for x in pair}
        return without(primal, dead), [copy.deepcopy(st) for st, _ in again] + without(adjoint, dead)

    def cheap(self, value: gast.expr) -> bool:
        """Worth computing again rather than recording: indexing, arithmetic, and functions of
        numbers."""
        if isinstance(value, (gast.Subscript, gast.BinOp, gast.UnaryOp, gast.Compare,
                              gast.Name, gast.Constant)):
            # (an element of a known array: a popped value's kind is unknown, and reading a
            # list element in vector mode differs from reading an array's)
            return not isinstance(value, gast.Subscript) or (
                isinstance(value.value, gast.Name) and self.activity.kind(value.value.id).tag == "array")
        if isinstance(value, gast.Call):
            op = operation(value, self.env)
            return op.rule is not None and op.user is None and (op.rule.integer or (
                op.rule.partials is not None and self.all_scalar(value)))
        return False

    def while_loop_plain(self, s: gast.While):
        count = self.namer.fresh("trips")
        pre_p, pre_a = self.assignment(assign(count, const(0)))
        body = [assign(count, expr("n + 1", n=count))] + s.body
        primal_body, adjoint_body = self.block(body)
        primal = gast.While(test=s.test, body=primal_body, orelse=[])
        adjoint = gast.For(target=name(self.namer.fresh_underscore(), store=True),
                           iter=expr("range(n)", n=count),
                           body=adjoint_body, orelse=[], type_comment=None)
        return pre_p + [primal], [adjoint] + pre_a

    # ---- adjoints of single operations --------------------------------------------------
    def adjoint_of_assign(self, s: gast.Assign) -> tuple[list[gast.stmt], list[gast.stmt]]:
        """The primal statement(s) and the adjoint statements of ``target = value``."""
        target, value = s.targets[0].id, s.value
        op = operation(value, self.env)
        if op.user is not None and isinstance(value, gast.Call) \
                and target not in self.activity.active and self.activity.records_on_active_stack(value):
            return self.user_call(s, op.user)  # its effect on the tape is what matters
        stack = stack_pop(value)
        if stack is not None and stack in self.activity.active:  # pushes the adjoint back
            bar = name(self.bar(target)) if target in self.activity.active else const(0.0)
            return [s], [gast.Expr(value=expr("t.append(b)", t=self.bar(stack), b=bar))]
        if isinstance(value, gast.List) and not value.elts:
            return [s], []
        if target not in self.activity.active or not any(
                v in self.activity.active for v in differentiable_operands(value, self.env)):
            return [s], []
        op = operation(value, self.env)
        if op.user is not None:
            return self.user_call(s, op.user)
        if isinstance(value, gast.Name):
            return [s], self.accumulate(target, [(value.id, name(self.bar(target)))])
        if isinstance(value, gast.Subscript) and op.rule is None:  # (not np.r_[a, b])
            return [s], self.subscript(target, value)
        if isinstance(value, (gast.Tuple, gast.List, gast.Dict)):
            return [s], self.literal_adjoint(target, value)
        if op.rule is None:
            raise self.no_rule(s, op.what)
        return [s], self.rule_adjoint(s, op.rule)

    def literal_adjoint(self, target: str, value: gast.expr) -> list[gast.stmt]:
        """Each element of a tuple, list or dict written out takes its component."""
        keys = value.keys if isinstance(value, gast.Dict) else [const(k) for k in range(len(value.elts))]
        elements = value.values if isinstance(value, gast.Dict) else value.elts
        return self.accumulate(target, [(e.id, expr("component(g, i)", g=self.bar(target), i=k))
                                        for k, e in zip(keys, elements) if self.active(e)])

    def rule_adjoint(self, s: gast.Assign, rule: Rule) -> list[gast.stmt]:
        target, value = s.targets[0].id, s.value
        refuse_container_arithmetic(s, rule, self.activity, self.env)
        bound = bound_arguments(value, rule, self.env)
        unknown = set(bound) - set(rule.params)
        if unknown:
            raise self.no_rule(s, f"{operation(value, self.env).what} with "
                                  f"{', '.join(sorted(unknown))}=")
        self_reference = target in operands(value)
        out = copy.deepcopy(value) if self_reference else name(target)
        g = name(self.bar(target))
        terms = []
        for param in rule.active_params():
            arg = bound.get(param)
            if param in rule.sequences:
                terms += self.element_adjoints(s, rule, param, {**_defaults(rule), **bound, "g": g})
                continue
            if arg is None or not self.active(arg):
                continue
            subs = {**_defaults(rule), **bound, "out": out, "g": g}
            if rule.partials is not None:
                partial = self.partial(s, rule, param, subs)
                spread = g
                if target in self.lazy and arg.id not in self.lazy \
                        and not self.covers(partial, arg.id, target, value):
                    spread = expr("unreduce(g, x)", g=g, x=target)
                partial = self.spelling.spell(partial, self.all_scalar(value))
                term = times(spread, partial)
                if spread is g and target in self.lazy:
                    term = _number_first(g, partial, term)
                if self.needs_unbroadcast(arg.id, target, value):
                    term = self.summed_down(term, arg.id, self.term_dims(
                        partial, target, number=spread is g and target in self.lazy))
            elif param in rule.adjoints:
                term = self.spelling.spell(self.shapes_from_anchors(self.without_shape_helpers(
                    without_defaults(expr(rule.adjoints[param], **subs), rule.defaults,
                                           operation_function(s.value, self.env)))),
                    self.all_scalar(value))
                if arg.id in self.lazy:  # a full sum or mean: every element gets one number
                    term = _spread_value(term)
            else:
                raise self.no_rule(s, f"reverse mode of {operation(value, self.env).what} "
                                      f"with respect to its argument `{param}`")
            terms.append((arg.id, term))
        adjoint = self.accumulate(target, terms)
        if rule.partials is None or any(_sums_over_axes(t) for _, t in terms):
            self.consumes(target, adjoint)
        return adjoint

    def consumes(self, target: str, adjoint: list[gast.stmt]) -> None:
        """Mark statements that read ``target``'s adjoint as its shape (a template that
        reshapes or contracts it): a plain zero there, where nothing reached the target, must
        skip them. A number's plain zero is its zero, and a lazy adjoint is a number anyway."""
        if dims_of(self.activity.kind(target)) == "" or target in self.lazy:
            return
        for s in adjoint:
            self.fragile[id(s)] = self.bar(target)

    def summed_down(self, term: gast.expr, arg: str, term_dims: str | None) -> gast.expr:
        """A term summed down to the argument's shape: to a number, that is ``np.sum``; over
        the axes the shape signatures name, ``np.sum(t, axis=...)``; else ``unbroadcast``,
        which finds the axes when it runs."""
        if self.activity.kind(arg).tag == "scalar":
            return self.spelling.spell(expr("np.sum(t)", t=term), False)
        axes = shapes.summed_axes(term_dims, dims_of(self.activity.kind(arg)))
        if axes is None:
            return expr("unbroadcast(t, x)", t=term, x=self.shape_source(arg))
        leading, kept = axes
        negative = isinstance(term, gast.UnaryOp) and isinstance(term.op, gast.USub)
        if negative:  # the sign goes on the smaller sum
            term = term.operand
        if leading:
            term = expr("np.sum(t, axis=a)", t=term, a=_axis_node(leading))
        if kept:
            term = expr("np.sum(t, axis=a, keepdims=True)", t=term, a=_axis_node(kept))
        if negative:
            term = gast.UnaryOp(op=gast.USub(), operand=term)
        return self.spelling.spell(term, False)

    def term_dims(self, partial: gast.expr, target: str, number: bool) -> str | None:
        """The shape signature of ``g * partial``, ``g`` being the target's adjoint (a
        number where ``number``)."""
        stand_in = const(1.0) if number else name(target)
        product = gast.BinOp(left=stand_in, op=gast.Mult(), right=clone(partial))
        return dims_of(value_kind(product, self.activity.kinds, self.env))

    def partial(self, s: gast.Assign, rule: Rule, param: str, subs: dict) -> gast.expr:
        return without_defaults(expr(rule.partials[rule.params.index(param)], **subs),
                                rule.defaults, operation_function(s.value, self.env))

    def covers(self, partial: gast.expr, arg: str, target: str, value: gast.expr) -> bool:
        """Whether ``g * partial`` gives the argument's whole adjoint even when ``g`` is a
        number: the partial has the target's shape, or (where the term is summed down to the
        argument's shape) the partial and the argument together do."""
        like = self.activity.kind(target).like
        names = [n.id for n in name_nodes(partial)]
        if self.sole_array(value, arg) and arg in names and self.sole_array(partial, arg):
            return True  # the partial has the argument's shape, which is the target's
        if self.needs_unbroadcast(arg, target, value):
            names.append(arg)
        spread = broadcast([self.activity.kind(n) for n in names])
        if like is not None and spread.like == like:
            return True
        return all(n in self.activity.kinds for n in names) and has_shape_of(
            spread, self.activity.kind(target))

    def element_adjoints(self, s: gast.Assign, rule: Rule, param: str, subs: dict):
        """Each active element of a list argument receives its part of the adjoint."""
        seq = subs.get(param)
        if isinstance(seq, gast.Name) and self.active(seq) and param in rule.list_adjoints:
            template = expr(rule.list_adjoints[param], **subs)
            return [(seq.id, without_defaults(template, rule.defaults,
                                              operation_function(s.value, self.env)))]
        if isinstance(seq, gast.Name) and self.active(seq):
            raise self.no_rule(s, f"{operation(s.value, self.env).what} of a value that is not "
                                  "a list written in the call")
        if not isinstance(seq, (gast.List, gast.Tuple)):
            return []
        terms = []
        for k, element in enumerate(seq.elts):
            if self.active(element):
                template = expr(rule.adjoints[param], **{**subs, "k": k, "x": element})
                term = self.spelling.spell(without_defaults(
                    template, rule.defaults, operation_function(s.value, self.env)), False)
                if self.activity.kind(element.id).tag == "list":
                    # a row written as a list (``np.array([[a, b], [c, d]])``): its part of
                    # the adjoint is an array, taken apart into the list's elements
                    term = expr("unstack(t, e)", t=term, e=element)
                terms.append((element.id, term))
        return terms

    def subscript(self, target: str, value: gast.Subscript) -> list[gast.stmt]:
        if not self.active(value.value):
            return []
        if is_container(self.activity.kind(value.value.id)):  # an element of a container
            term = expr("with_component(b, i, g, t)", b=self.bar(value.value.id),
                        i=index_value(value.slice),
                        g=self.bar(target), t=value.value)
            return [assign(self.bar(value.value.id), term)]
        array = value.value.id
        if array in self.in_place and self.basic_index(value.slice):
            part = gast.Subscript(value=name(self.bar(array)), slice=copy.deepcopy(value.slice),
                                  ctx=gast.Load())
            return [_write(self.bar(array), value.slice,
                           gast.BinOp(left=part, op=gast.Add(), right=name(self.bar(target))))]
        term = expr("scatter(g, x, i)", g=self.bar(target), x=value.value,
                    i=index_value(value.slice))
        return self.accumulate(target, [(array, term)])

    def accumulate(self, target: str, terms: list[tuple[str, gast.expr]]) -> list[gast.stmt]:
        """``a_bar = a_bar + term`` per argument; the target's own adjoint is replaced last."""
        by_arg: dict[str, list[gast.expr]] = {}
        for arg, term in terms:
            by_arg.setdefault(arg, []).append(term)
        out, last = [], []
        for arg, arg_terms in by_arg.items():
            if arg == target:
                last = [assign(self.bar(arg), self.plus(arg, arg_terms))]
            else:
                out.append(assign(self.bar(arg), self.plus(arg, [name(self.bar(arg))] + arg_terms)))
        return out + last

    def plus(self, var: str, terms: list[gast.expr]) -> gast.expr:
        return summed(terms, is_container(self.activity.kind(var)))

    def user_call(self, s: gast.Assign, func) -> tuple[list[gast.stmt], list[gast.stmt]]:
        """Primal: ``y = g_fwd(tape, ...)``; adjoint: ``a_bar += g_adj(tape, y_bar)``.

        Arguments are passed by position, in the order of the callee's concrete signature.
        An argument the callee uses as a stack (the tape of generated code, or a list's
        adjoint that it pops) is not given a gradient back: its adjoint is a stack too,
        shared by reference, which the callee's adjoint uses in place.
        """
        target = s.targets[0].id
        call = user_call(s.value, self.env, self.activity.kinds)
        if call is None:
            raise self.no_rule(s, f"call to {operation(s.value, self.env).what} with these arguments")
        atoms = call.atoms
        positions = tuple(k for k, a in enumerate(atoms) if self.active(a))
        kinds = tuple(self.activity.kind(a.id) if isinstance(a, gast.Name) else Kind("scalar")
                      for a in atoms)
        fwd, adj, shared = self.request_callee(call, positions, kinds)
        primal = assign(target, gast.Call(func=name(fwd), args=[name(self.tape)] + list(atoms),
                                          keywords=[]))
        stacks = [atoms[k].id for k in positions if k in shared]
        args = [atoms[k].id for k in positions if k not in shared]
        seed = name(self.bar(target)) if target in self.activity.active else const(0.0)
        result = gast.Call(func=name(adj), args=[name(self.tape), seed]
                           + [name(self.bar(t)) for t in stacks], keywords=[])
        if not args:
            return [primal], [gast.Expr(value=result)]
        if len(args) == 1 and target not in operands(s.value):
            return [primal], self.accumulate(target, [(args[0], result)])
        label = operation(s.value, self.env).what
        parts = [self.namer.fresh(f"{a}_bar_{label}") for a in args]
        # one adjoint comes back bare, several as a tuple (see the callee's return)
        targets = name(parts[0], store=True) if len(parts) == 1 else gast.Tuple(
            elts=[name(p, store=True) for p in parts], ctx=gast.Store())
        unpack = gast.Assign(targets=[targets], value=result, type_comment=None)
        return [primal], [unpack] + self.accumulate(target, [(a, name(p)) for a, p in zip(args, parts)])


    # ---- kinds -------------------------------------------------------------------------------
    def all_scalar(self, value: gast.expr) -> bool:
        known = [v for v in operands(value) if v in self.activity.kinds]
        return all(self.activity.kind(v).tag in ("scalar", "int") for v in known)

    def needs_unbroadcast(self, arg: str, out: str, value: gast.expr | None = None) -> bool:
        """Whether ``arg``'s adjoint must be summed down from ``out``'s shape: not where the
        kinds say the shapes are the same, nor where every other operand is a number."""
        if value is not None and self.sole_array(value, arg):
            return False
        return not has_shape_of(self.activity.kind(arg), self.activity.kind(out))

    def sole_array(self, value: gast.expr, arg: str) -> bool:
        """Every value ``value`` reads other than ``arg`` is a number, so its result has
        ``arg``'s shape (the functions it calls are not values it reads)."""
        return all(isinstance(leaf, gast.Name) and leaf.id == arg or self.is_number(leaf)
                   for leaf in _data_leaves(value))

    def is_number(self, leaf: gast.expr) -> bool:
        """A value without axes: a number or a 0-d array (``n``, ``math.pi``)."""
        if isinstance(leaf, gast.Name) and leaf.id in self.activity.kinds:
            return dims_of(self.activity.kind(leaf.id)) == ""
        obj = self.env.resolve(leaf)
        return obj is not MISSING and not isinstance(obj, ModuleType) \
            and dims_of(kind_of_value(obj)) == ""

    def shape_source(self, var: str) -> str | gast.expr:
        """What to read ``var``'s shape from: a variable of that shape that outlives it, or
        ``np.broadcast(a, b)`` of the anchors whose broadcast it is. Reading shapes from
        anchors leaves values that only the adjoint sweep's shape arguments read (a loss's
        ``np.log(p)``) dead, so they are not computed."""
        like = self.activity.kind(var).like
        source = self.whole_anchor(var) or self.anchor_source(like, var) or var
        # anchors that are variables of their own are bound wherever a value made from them is
        if isinstance(like, tuple) and len(like) <= 8 and all(
                self.anchor_source(a) == a for a in like):
            self.broadcasts[source] = self.spelling.spell(gast.Call(
                func=expr("np.broadcast"), args=[name(a) for a in like], keywords=[]), False)
        return source

    def whole_anchor(self, var: str) -> str | None:
        """One of the anchors ``var`` is the broadcast of that has its whole shape by itself
        (its signature says so): ``y`` for ``y * np.log(p)`` where both are vectors."""
        kind = self.activity.kind(var)
        anchors = anchors_of(kind.like) if isinstance(kind.like, tuple) else ()
        for anchor in sorted(anchors, key=lambda a: (self.activity.order.get(a, 0), a)):
            source = self.anchor_source(anchor, var)
            if source is not None and has_shape_of(self.activity.kind(source), kind):
                return source
        return None

    def anchor_source(self, like, reader: str | None = None) -> str | None:
        """A variable with shape ``like`` that is bound, unchanged, wherever the adjoint of
        ``reader`` runs: one assigned before it (the adjoint sweep restores later ones)."""
        order = self.activity.order
        before = order.get(reader, len(order) + 1) if reader is not None else -1
        for var in self.activity.shapes.get(like, ()):
            if order.get(var, before) < before or var == reader:
                return var
        if isinstance(like, str) and self.activity.kind(like).like == like:
            return like  # an anchor: what has its shape was made from it
        return None

    def without_shape_helpers(self, term: gast.expr) -> gast.expr:
        """Helper calls whose arguments' shape signatures are known, written as the plain
        expressions they stand for (``matmul_adjoint_y(g, X, w)`` -> ``g @ X``)."""
        rev = self

        class Plain(gast.NodeTransformer):
            def visit_Call(self, n: gast.Call):
                self.generic_visit(n)
                found = SHAPED.get(unmark(n.func.id)) if isinstance(n.func, gast.Name) else None
                if found is None or n.keywords or len(n.args) != len(found[0]):
                    return n
                dims = [dims_of(rev.activity.kind(a.id)) if isinstance(a, gast.Name) else None
                        for a in n.args]
                template = found[1](dims)
                return n if template is None else expr(template, **dict(zip(found[0], n.args)))
        return Plain().visit(term)

    def shapes_from_anchors(self, term: gast.expr) -> gast.expr:
        """Shape-only arguments of helpers (``unreduce(g, x)``, ``np.size(x)``) read from
        anchors; the size of a number is 1."""
        rev = self

        class Shapes(gast.NodeTransformer):
            def visit_Call(self, n: gast.Call):
                self.generic_visit(n)
                for k in _shape_arguments(n):
                    if k < len(n.args) and isinstance(n.args[k], gast.Name):
                        var = n.args[k].id
                        if rev.activity.kind(var).tag == "scalar" and _is_numpy(n, "size"):
                            return const(1)
                        source = rev.shape_source(var)
                        n.args[k] = name(source) if isinstance(source, str) else source
                return n
        return Shapes().visit(term)

    def zero(self, var: str) -> gast.expr:
        return const(0.0) if self.activity.kind(var).tag == "scalar" else expr(
            "zeros_like(x)", x=var)

    def no_rule(self, s: gast.stmt, what: str) -> NoDerivativeError:
        return NoDerivativeError(
            f"no derivative rule for `{what}`", filename=self.env.filename,
            lineno=getattr(s, "lineno", None), construct=what,
            hint=hint_for(what, "write it with operations sourcead knows (the README lists "
                                "them), or wrap the value in sourcead.stop_gradient(...) to "
                                "treat it as a constant"))


# helpers that read only the shape of some arguments (by position)
# (unreduce and scatter also take the dtype of theirs: float32 stays float32)
_SHAPE_ONLY = {mark("unbroadcast"): (1,)}
_NUMPY_SHAPE_ONLY = ("size", "shape", "ndim")


def _data_leaves(node: gast.expr):
    """The names and attributes an expression reads as values (not the functions it calls)."""
    if isinstance(node, (gast.Name, gast.Attribute)):
        yield node
    elif isinstance(node, gast.Call):
        for part in list(node.args) + [k.value for k in node.keywords]:
            yield from _data_leaves(part)
    else:
        for child in gast.iter_child_nodes(node):
            yield from _data_leaves(child)


def _is_numpy(call: gast.Call, attr: str) -> bool:
    return (isinstance(call.func, gast.Attribute) and call.func.attr == attr
            and isinstance(call.func.value, gast.Name) and call.func.value.id == NUMPY)


def _shape_arguments(call: gast.Call) -> tuple[int, ...]:
    if isinstance(call.func, gast.Name):
        return _SHAPE_ONLY.get(call.func.id, ())
    return (0,) if any(_is_numpy(call, a) for a in _NUMPY_SHAPE_ONLY) else ()


def _assigns(stmts_: list[gast.stmt], var: str) -> bool:
    return any(isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
               and s.targets[0].id == var for s in stmts_)
