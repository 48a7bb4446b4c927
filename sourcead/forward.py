"""Forward mode: core-language function -> function computing tangents beside the values.

In: a normalized FunctionDef, its Environment, the ``Activity`` analysis (wrt parameters are
varied), and a way to request the forward derivative of called user functions.
Out: ``f_jvp(params..., wrt_dots...) -> (out, out_dot)``: every active assignment
``v = op(a, b)`` is followed by ``v_dot = a_dot * ∂a + b_dot * ∂b`` from the same rule row that
reverse mode reads (partials for elementwise rows, per-argument tangent templates for the
others), so the two modes cannot drift apart. Control flow is kept as it is: the tangent of a
branch or loop is computed inside that same branch or loop, so nothing needs recording.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import re

import gast

from .analyze import (has_shape_of, refuse_container_arithmetic, Activity, Kind, bound_arguments, container_operand, differentiable_operands, is_container, operands,
                      hint_for, operation, operation_function, stack_pop, stack_push, user_call)
from .errors import NoDerivativeError
from .naming import Namer, Spelling, tangent_name
from .parse import Environment
from .rules import Rule
from .normalize import in_place, is_write
from .rules.template import (summed, walk, assign, const, default_marker, expr, index_value, name, times, total,
                             without_defaults)

RequestJvp = Callable[[object, tuple[int, ...], tuple[Kind, ...]], str]


@dataclass
class Forward:
    fn: gast.FunctionDef
    env: Environment
    activity: Activity
    namer: Namer
    spelling: Spelling
    request_jvp: RequestJvp
    vector: bool = False   # tangents carry a leading axis of directions
    dots: dict[str, str] = field(default_factory=dict)

    @property
    def written(self) -> set[str]:
        return {s.targets[0].id for s in walk(self.fn) if is_write(s)}

    def dot(self, var: str) -> str:
        if var not in self.dots:
            self.dots[var] = self.namer.fresh(tangent_name(var))
        return self.dots[var]

    def active(self, node) -> bool:
        return self.activity.is_active(node)

    # ---- statements --------------------------------------------------------------------
    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out = []
        for s in stmts:
            out.extend(self.statement(s))
        return out

    def statement(self, s: gast.stmt) -> list[gast.stmt]:
        if isinstance(s, gast.Assign):
            return self.assignment(s)
        if isinstance(s, gast.If):
            return [gast.If(test=s.test, body=self.block(s.body) or [gast.Pass()],
                            orelse=self.block(s.orelse))]
        if isinstance(s, gast.For):
            return [gast.For(target=s.target, iter=s.iter, body=self.block(s.body), orelse=[],
                             type_comment=None)]
        if isinstance(s, gast.While):
            return [gast.While(test=s.test, body=self.block(s.body), orelse=[])]
        push = stack_push(s)
        if push is not None and push[0] in self.activity.active:
            stack, value = push  # the tangent stack holds one entry per entry of the stack
            tangent = self.dot_or_zero(value)
            return [s, gast.Expr(value=expr("t.append(v)", t=self.dot(stack), v=tangent))]
        return [s]

    def assignment(self, s: gast.Assign) -> list[gast.stmt]:
        if is_write(s):
            return self.write(s)
        target, value = s.targets[0].id, s.value
        stack = stack_pop(value)
        if stack is not None and stack in self.activity.active:
            # a tape's tangent is always a list; a list's (an adjoint list in code sourcead
            # generated) may be a plain zero, which pops as a zero
            plain = re.fullmatch(r"tape(_\d+)?", stack) is not None
            popped = expr("t.pop()" if plain else "pop_tangent(t)", t=self.dot(stack))
            if target not in self.activity.active:
                return [s, gast.Expr(value=popped)]
            return [s, assign(self.dot(target), popped)]
        op = operation(value, self.env)
        call = user_call(value, self.env, self.activity.kinds) if op.user is not None else None
        if call is not None and any(self.active(a) for a in call.atoms) \
                and (target in self.activity.active or self.activity.records_on_active_stack(value)):
            return self.user_call(s, call)
        if target not in self.activity.active:
            return [s]
        if isinstance(value, gast.List) and not value.elts:
            return [s, assign(self.dot(target), gast.List(elts=[], ctx=gast.Load()))]
        tangent = assign(self.dot(target), self.tangent_of(s))
        # a tangent that reads the old value of its own target goes first
        return [tangent, s] if target in operands(value) else [s, tangent]

    def write(self, s: gast.Assign) -> list[gast.stmt]:
        """``a[i] = v`` in place; the tangent takes ``v_dot`` at ``i`` in a copy (a tangent
        may be shared with another value's, so it is never written in place)."""
        array, index, value, primal = in_place(s, self.activity.kind(s.targets[0].id), self.env)
        if array not in self.activity.active:
            return [primal]
        array_dot = name(self.dot(array))
        value_dot = name(self.dot(value.id)) if self.active(value) else const(0.0)
        helper = "with_item_each" if self.vector else "with_item"
        tangent = expr(f"{helper}(t, i, v, a)", t=array_dot, i=index, v=value_dot, a=array)
        return [primal, assign(self.dot(array), tangent)]

    def tangent_of(self, s: gast.Assign) -> gast.expr:
        target, value = s.targets[0].id, s.value
        if not any(self.active(gast.Name(id=v, ctx=gast.Load(), annotation=None, type_comment=None))
                   for v in operands(value)):
            return self.zero(target)
        if not differentiable_operands(value, self.env):  # comparisons, integer-valued calls
            return self.zero(target)
        if isinstance(value, gast.Name):
            return name(self.dot(value.id))
        if isinstance(value, gast.Subscript) and operation(value, self.env).rule is None:
            if not self.active(value.value):   # an active index (a key from a tape) only
                return self.zero(target)
            index = value.slice  # (np.r_[a, b] has a row instead)
            kind = self.activity.kind(value.value.id)
            if self.vector and not is_container(kind):
                # any array's tangent may be a plain zero here (a written array's before the
                # first active write, a parameter's when the caller's argument was constant)
                return expr("item_each(t, i)", t=self.dot(value.value.id), i=index_value(index))
            if self.vector:
                # a container's tangent is a plain zero where its value was constant
                return expr("component(t, i)", t=self.dot(value.value.id), i=index_value(index))
            return gast.Subscript(value=name(self.dot(value.value.id)), slice=index,
                                  ctx=gast.Load())
        if isinstance(value, (gast.Tuple, gast.List)):  # a tuple of tangents, a list of tangents
            return type(value)(elts=[self.dot_or_zero(e) for e in value.elts], ctx=gast.Load())
        if isinstance(value, gast.Dict):
            return gast.Dict(keys=list(value.keys), values=[self.dot_or_zero(v) for v in value.values])
        op = operation(value, self.env)
        if op.rule is None:
            raise self.error(s, op.what if op.what.startswith(("method call", "call of the local"))
                             else f"no derivative rule for `{op.what}`")
        return self.rule_tangent(s, op.rule)

    def dot_or_zero(self, node: gast.expr) -> gast.expr:
        """The tangent of an element put in a list or tuple: an inactive array's is an array
        of zeros (``Wh @ h_dot`` needs one, once the element is read back)."""
        if self.active(node):
            return name(self.dot(node.id))
        return self.zero(node.id) if isinstance(node, gast.Name) else const(0.0)

    def plus(self, target: str, terms: list[gast.expr]) -> gast.expr:
        return summed(terms, is_container(self.activity.kind(target)))

    def rule_tangent(self, s: gast.Assign, rule: Rule) -> gast.expr:
        target, value = s.targets[0].id, s.value
        refuse_container_arithmetic(s, rule, self.activity, self.env)
        bound = bound_arguments(value, rule, self.env)
        if set(bound) - set(rule.params):
            raise self.error(s, f"no derivative rule for `{operation(value, self.env).what}` with "
                                f"{', '.join(sorted(set(bound) - set(rule.params)))}=")
        out = value if target in operands(value) else name(target)
        scalar = self.all_scalar(value)
        terms = []
        for param in rule.active_params():
            arg = bound.get(param)
            if param in rule.sequences:
                terms += self.elements_tangent(s, rule, param, bound)
                continue
            if arg is None or not self.active(arg):
                continue
            subs = {**{k: default_marker(k) for k in rule.defaults}, **bound, "out": out,
                    f"{param}_dot": name(self.dot(arg.id))}
            if rule.partials is not None:
                partial = without_defaults(expr(rule.partials[rule.params.index(param)], **subs),
                                           rule.defaults,
                                           operation_function(s.value, self.env))
                partial = self.spelling.spell(partial, scalar)
                if self.vector and not scalar and not isinstance(partial, gast.Constant):
                    # a plain-zero tangent times an array partial must stay a plain zero (it
                    # has no axis of directions to carry the array's shape)
                    terms.append(expr("times_each(d, p, out)", d=self.dot(arg.id), p=partial,
                                      out=out))
                else:
                    terms.append(times(self.aligned(arg.id, target, out), partial))
            elif self.vector:
                if param not in rule.vector_tangents:
                    raise self.error(s, f"vector mode of {operation(value, self.env).what}")
                terms.append(self.spelling.spell(
                    without_defaults(expr(rule.vector_tangents[param], **subs), rule.defaults,
                                           operation_function(s.value, self.env)), scalar))
            elif param in rule.tangents:
                terms.append(self.spelling.spell(
                    without_defaults(expr(rule.tangents[param], **subs), rule.defaults,
                                           operation_function(s.value, self.env)), scalar))
            else:
                raise self.error(s, f"no forward-mode rule for {operation(value, self.env).what} "
                                    f"with respect to its argument `{param}`")
        return self.plus(target, terms) if terms else self.zero(target)

    def elements_tangent(self, s: gast.Assign, rule: Rule, param: str, bound: dict):
        """The tangent of a list argument: the list of its elements' tangents."""
        seq = bound.get(param)
        templates = rule.vector_tangents if self.vector else rule.tangents
        if isinstance(seq, gast.Name) and self.active(seq) and param in rule.list_adjoints:
            self.require(param, templates, s)
            subs = {**{k: default_marker(k) for k in rule.defaults}, **bound,
                    f"{param}_dot": name(self.dot(seq.id))}
            return [self.spelling.spell(without_defaults(expr(templates[param], **subs),
                                                         rule.defaults,
                                                         operation_function(s.value, self.env)),
                                        False)]
        if isinstance(seq, gast.Name) and self.active(seq):
            raise self.error(s, f"{operation(s.value, self.env).what} of a value that is not a "
                                "list written in the call")
        if not isinstance(seq, (gast.List, gast.Tuple)) or not any(self.active(e) for e in seq.elts):
            return []
        self.require(param, templates, s)
        # (in vector mode, an inactive element's tangent stays a plain zero: the helper gives
        # it the directions' axis)
        # (np.r_[a, b]: the tangents are items in brackets too, np.r_[a_dot, b_dot])
        dots = (gast.Tuple if rule.indexed else gast.List)(
            elts=[name(self.dot(e.id)) if self.active(e) else const(0.0)
                  if self.vector else expr("zeros_like(e)", e=e) for e in seq.elts],
            ctx=gast.Load())
        subs = {**{k: default_marker(k) for k in rule.defaults}, **bound, f"{param}_dot": dots}
        return [self.spelling.spell(without_defaults(expr(templates[param], **subs),
                                                     rule.defaults,
                                           operation_function(s.value, self.env)), False)]

    def require(self, param: str, templates: dict, s: gast.Assign) -> None:
        if param not in templates:
            raise self.error(s, f"vector mode of {operation(s.value, self.env).what}")

    def user_call(self, s: gast.Assign, call) -> list[gast.stmt]:
        """``y, y_dot = g_jvp(args..., active_arg_dots...)``, all positional, in the order of
        the callee's concrete signature."""
        target, atoms = s.targets[0].id, call.atoms
        positions = tuple(k for k, a in enumerate(atoms) if self.active(a))
        kinds = tuple(self.activity.kind(a.id) if isinstance(a, gast.Name) else Kind("scalar")
                      for a in atoms)
        jvp_name = self.request_jvp(call, positions, kinds)
        dots = [name(self.dot(atoms[k].id)) for k in positions]
        value = gast.Call(func=name(jvp_name), args=list(atoms) + dots, keywords=[])
        targets = gast.Tuple(elts=[name(target, store=True), name(self.dot(target), store=True)],
                             ctx=gast.Store())
        return [gast.Assign(targets=[targets], value=value, type_comment=None)]

    def aligned(self, arg: str, target: str, out: gast.expr) -> gast.expr:
        """An argument's tangent, covering the whole result ``out`` (the target's new value,
        or the expression itself when the tangent is computed before the assignment)."""
        if has_shape_of(self.activity.kind(arg), self.activity.kind(target)):
            return name(self.dot(arg))
        # a smaller argument's tangent must cover the whole result (np.sum would count it once)
        return expr("lift(d, out)" if self.vector else "spread(d, out)", d=self.dot(arg), out=out)

    def zero(self, var: str) -> gast.expr:
        """A tangent that starts at zero: shaped like its value (``Wh @ h_dot`` needs an array;
        a list or tuple of arrays, one of arrays), a plain 0.0 for scalars and in vector mode
        (where it broadcasts over directions, and a container's elements are plain zeros)."""
        tag = self.activity.kind(var).tag
        if self.vector and tag in ("list", "stack"):  # appends and pops need a real list
            return expr("zeros_like(v)", v=var)
        if self.vector or tag in ("scalar", "int"):
            return const(0.0)
        return expr("zeros_like(v)" if tag == "array" else "zero_tangent(v)", v=var)


    def all_scalar(self, value: gast.expr) -> bool:
        known = [v for v in operands(value) if v in self.activity.kinds]
        return all(self.activity.kind(v).tag in ("scalar", "int") for v in known)

    def error(self, s: gast.stmt, reason: str) -> NoDerivativeError:
        return NoDerivativeError(reason, filename=self.env.filename, lineno=getattr(s, "lineno", None),
                                 construct=reason,
                                 hint=hint_for(reason, "use an operation sourcead knows (see "
                                               "README), or wrap the value in "
                                               "sourcead.stop_gradient(...)"))


def jvp_function(fwd: Forward, name_: str, wrt: list[str]) -> gast.FunctionDef:
    """``f_jvp(params..., x_dot, ...)`` returning ``(out, out_dot)``."""
    fn = fwd.fn
    body, ret = fn.body[:-1], fn.body[-1]
    result = ret.value.id
    out_dot = name(fwd.dot(result)) if result in fwd.activity.active else _zero_like(fwd, result)
    # parameters that become active later (e.g. an adjoint seed) start with a zero tangent
    zeros = [assign(fwd.dot(a.id), fwd.zero(a.id)) for a in fn.args.args
             if a.id in fwd.activity.active and a.id not in wrt]
    stmts = zeros + fwd.block(body) + [gast.Return(value=gast.Tuple(elts=[name(result), out_dot],
                                                           ctx=gast.Load()))]
    params = [gast.Name(id=a.id, ctx=gast.Param(), annotation=None, type_comment=None)
              for a in fn.args.args]
    dots = [gast.Name(id=fwd.dot(v), ctx=gast.Param(), annotation=None, type_comment=None)
            for v in wrt]
    args = gast.arguments(args=params + dots, posonlyargs=[], vararg=None, kwonlyargs=[],
                          kw_defaults=[], kwarg=None, defaults=[])
    return gast.FunctionDef(name=name_, args=args, body=stmts, decorator_list=[], returns=None,
                            type_comment=None, type_params=[])


def _zero_like(fwd: Forward, result: str) -> gast.expr:
    """The tangent of a result that does not depend on the varied inputs (a callee that
    ignores an active argument): shaped like the value, as every tangent outside vector mode
    is, since the caller's rules read it as the value's tangent (``np.dot(a_dot, a)`` with a
    plain 0.0 for ``a_dot`` is an array). A tuple of values gets a tuple of such zeros."""
    for n in walk(fwd.fn):
        if isinstance(n, gast.Assign) and n.targets[0].id == result and isinstance(n.value, gast.Tuple):
            return gast.Tuple(elts=[fwd.dot_or_zero(e) for e in n.value.elts], ctx=gast.Load())
    return fwd.zero(result)
