"""Exact algebra on adjoint expressions: cancel what one-rule-at-a-time differentiation leaves.

Rule rows differentiate one operation at a time, so a chain of them leaves factors a person
would cancel. Through ``p = 1.0 / (1.0 + np.exp(-z))``, the adjoint of
``y * np.log(p) + (1 - y) * np.log(1 - p)`` comes out as
``(g * y / p - g * (1 - y) / (1 - p)) * (p / t) * e``, where ``t = 1.0 + e``. That is
``g * (y - p)``: 2 array operations instead of 8.

The method is exact arithmetic on Laurent polynomials (rational coefficients, integer
exponents) over named values:
1. forward names defined once by plain arithmetic are expanded into their definitions;
2. a name that divides (``t``) is kept whole, and its linear definition (``t = 1 + e``) is
   solved for its operand instead (``e = t - 1``);
3. a remaining divisor ``q`` cancels wherever the numerator is an exact multiple of its
   definition;
4. what is left is folded back into existing names (``1 / t`` -> ``p``) and factored.
The result replaces the original only when it is cheaper. It keeps the same set of array
shapes, so broadcasting gives the same result shape. It divides by nothing the original did
not divide by. The values are equal as real numbers; only rounding differs.

The work per statement is bounded (``MAX_TERMS``, ``MAX_EXPONENT``, ``MAX_SUBSTITUTIONS``,
``MAX_FOLDED``), so the pass takes time linear in the length of the function: in a chain of
more than ``MAX_FOLDED`` single-use adjoints (``sin`` nested 50 deep), a simplification that
would need all of them folded into one statement is not looked for.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Callable

import gast

from .rules.template import Structures, Transformer, name_nodes, clone, walk

Monomial = tuple  # ((atom, exponent), ...), sorted by atom, exponents nonzero
Poly = dict       # Monomial -> Fraction; no zero coefficients

MAX_TERMS = 32
MAX_EXPONENT = 6
MAX_ROUNDS = 12
MAX_SUBSTITUTIONS = 12  # definitions expanded per expression: the chains that cancel are short
MAX_FOLDED = 8   # single-use adjoints folded into one statement (tests and examples: 4 at most)


class Unsupported(Exception):
    """The expression is outside what this algebra handles (or grows too large)."""


# ---- Laurent polynomials ----------------------------------------------------------------------

def constant(c) -> Poly:
    c = Fraction(c)
    return {(): c} if c else {}


def atom(a: str, exponent: int = 1) -> Poly:
    return {((a, exponent),): Fraction(1)}


def monomial_times(m: Monomial, n: Monomial) -> Monomial:
    exps = dict(m)
    for a, e in n:
        exps[a] = exps.get(a, 0) + e
    if any(abs(e) > MAX_EXPONENT for e in exps.values()):
        raise Unsupported("exponent too large")
    return tuple(sorted((a, e) for a, e in exps.items() if e))


def plus(p: Poly, q: Poly) -> Poly:
    out = dict(p)
    for m, c in q.items():
        s = out.get(m, 0) + c
        if s:
            out[m] = s
        else:
            out.pop(m, None)
    return _bounded(out)


def scaled(p: Poly, c) -> Poly:
    return {m: v * c for m, v in p.items()} if c else {}


def times(p: Poly, q: Poly) -> Poly:
    out: Poly = {}
    for m, c in p.items():
        for n, d in q.items():
            out = plus(out, {monomial_times(m, n): c * d})
    return out


def power(p: Poly, k: int) -> Poly:
    if k < 0:
        return power(inverse(p), -k)
    out = constant(1)
    for _ in range(k):
        out = times(out, p)
    return out


def inverse(p: Poly) -> Poly:
    """1 / p for a single term; anything else is not a Laurent polynomial."""
    if len(p) != 1:
        raise Unsupported("division by a sum")
    (m, c), = p.items()
    return {tuple((a, -e) for a, e in m): 1 / c}


def _bounded(p: Poly) -> Poly:
    if len(p) > MAX_TERMS:
        raise Unsupported("too many terms")
    return p


def atoms_of(p: Poly) -> set[str]:
    return {a for m in p for a, _ in m}


def exponents(p: Poly, a: str) -> list[int]:
    return [e for m in p for b, e in m if b == a]


def substitute(p: Poly, a: str, value: Poly) -> Poly:
    """``p`` with every ``a ** k`` replaced by ``value ** k``."""
    out: Poly = {}
    for m, c in p.items():
        rest = tuple((b, e) for b, e in m if b != a)
        k = dict(m).get(a, 0)
        out = plus(out, times({rest: c}, power(value, k)))
    return out


def divided_exactly(p: Poly, d: Poly) -> Poly | None:
    """``p / d`` when ``d`` divides ``p`` exactly, else None. Both are first shifted by
    monomials to plain polynomials; then long division in lexicographic order. With one
    divisor, a leading term that does not divide means a nonzero remainder."""
    if not d:
        return None
    shift_p, shift_d = _clearing(p), _clearing(d)
    p, d = times(p, {shift_p: Fraction(1)}), times(d, {shift_d: Fraction(1)})
    order = sorted(atoms_of(p) | atoms_of(d))

    def key(m: Monomial) -> tuple:
        exps = dict(m)
        return tuple(exps.get(a, 0) for a in order)

    lead_d = max(d, key=key)
    quotient: Poly = {}
    remainder = dict(p)
    while remainder:
        lead = max(remainder, key=key)
        step = tuple((a, e) for a, e in _monomial_quotient(lead, lead_d))
        if any(e < 0 for _, e in step):
            return None
        term = {step: remainder[lead] / d[lead_d]}
        quotient = plus(quotient, term)
        remainder = plus(remainder, scaled(times(term, d), -1))
    # p/d = (p' / shift_p) / (d' / shift_d) = quotient * shift_d / shift_p
    return times(quotient, {_monomial_quotient(shift_d, shift_p): Fraction(1)})


def _clearing(p: Poly) -> Monomial:
    """The monomial that makes every exponent in ``p`` nonnegative."""
    low: dict[str, int] = {}
    for m in p:
        for a, e in m:
            low[a] = min(low.get(a, 0), e)
    return tuple(sorted((a, -e) for a, e in low.items() if e < 0))


def _monomial_quotient(m: Monomial, n: Monomial) -> Monomial:
    return monomial_times(m, tuple((a, -e) for a, e in n))


# ---- from and to gast -------------------------------------------------------------------------

_NUMBER = (int, float)


class Reader:
    """Reads arithmetic into a Laurent polynomial. Names are atoms; any other operand (a call, a
    subscript, ``@``) is an opaque atom kept as its node."""

    def __init__(self):
        self.opaque: dict[str, gast.expr] = {}

    def poly(self, node: gast.expr) -> Poly:
        if isinstance(node, gast.Constant) and type(node.value) in _NUMBER:
            return constant(node.value)
        if isinstance(node, gast.Name):
            return atom(node.id)
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
            inner = self.poly(node.operand)
            return scaled(inner, -1) if isinstance(node.op, gast.USub) else inner
        if isinstance(node, gast.BinOp):
            op = type(node.op)
            if op in (gast.Add, gast.Sub, gast.Mult, gast.Div):
                left, right = self.poly(node.left), self.poly(node.right)
                if op is gast.Add:
                    return plus(left, right)
                if op is gast.Sub:
                    return plus(left, scaled(right, -1))
                if op is gast.Mult:
                    return times(left, right)
                if not right:
                    raise Unsupported("division by zero")
                if len(right) != 1:  # a divisor that is a sum stays whole
                    right = atom(self._opaque(node.right))
                return times(left, inverse(right))
            if op is gast.Pow and isinstance(node.right, gast.Constant) \
                    and type(node.right.value) is int and abs(node.right.value) <= MAX_EXPONENT:
                base = self.poly(node.left)
                if node.right.value < 0 and len(base) != 1:
                    base = atom(self._opaque(node.left))
                return power(base, node.right.value)
        return atom(self._opaque(node))

    def _opaque(self, node: gast.expr) -> str:
        key = "\0" + gast.dump(node)
        self.opaque.setdefault(key, node)
        return key


def arithmetic_only(p: Poly) -> bool:
    return not any(a.startswith("\0") for a in atoms_of(p))


class Names:
    """What writing needs to know of atoms: the nodes of opaque ones, and which are numbers
    (written first in a product, so the numbers combine before meeting an array)."""

    def __init__(self, opaque: dict[str, gast.expr], scalars: frozenset = frozenset()):
        self.opaque, self.scalars = opaque, scalars

    def order(self, a: str) -> tuple:
        return (a not in self.scalars, a)


def write(p: Poly, opaque: "Names") -> gast.expr:
    """A cheap expression for ``p``: common factors out first, then the atom most terms share
    (a Horner step), recursively."""
    if not p:
        return gast.Constant(value=0.0, kind=None)
    if len(p) == 1:
        (m, c), = p.items()
        return _monomial_node(m, c, opaque)
    common = _common_factor(p)
    if common != ((), Fraction(1)):
        monomial, c = common
        rest = {_monomial_quotient(m, monomial): v / c for m, v in p.items()}
        if monomial == () and c == -1:
            return gast.UnaryOp(op=gast.USub(), operand=_parenthesized(write(rest, opaque)))
        factor = _monomial_node(monomial, c, opaque)
        return _product(factor, write(rest, opaque))
    shared = _most_shared_atom(p)
    if shared is None:
        return _sum([_monomial_node(m, c, opaque) for m, c in _ordered(p)], p, opaque)
    a, e = shared
    with_a = {m: c for m, c in p.items() if (dict(m).get(a, 0) > 0) == (e > 0) and dict(m).get(a, 0)}
    without_a = {m: c for m, c in p.items() if m not in with_a}
    grouped = write(with_a, opaque)
    if not without_a:
        return grouped
    return _joined(grouped, without_a, opaque)


def _joined(first: gast.expr, rest: Poly, opaque) -> gast.expr:
    negated = {m: -c for m, c in rest.items()}
    if all(c < 0 for c in rest.values()):
        return gast.BinOp(left=first, op=gast.Sub(), right=write(negated, opaque))
    return gast.BinOp(left=first, op=gast.Add(), right=write(rest, opaque))


def _sum(nodes: list[gast.expr], p: Poly, opaque) -> gast.expr:
    terms = _ordered(p)
    positive = [t for t in terms if t[1] > 0] or terms[:1]
    out = _monomial_node(*positive[0], opaque)
    for m, c in terms:
        if (m, c) == positive[0]:
            continue
        if c < 0:
            out = gast.BinOp(left=out, op=gast.Sub(), right=_monomial_node(m, -c, opaque))
        else:
            out = gast.BinOp(left=out, op=gast.Add(), right=_monomial_node(m, c, opaque))
    return out


def _ordered(p: Poly) -> list:
    """Terms in a stable reading order: positive terms first, then by the atoms' names."""
    return sorted(p.items(), key=lambda t: (t[1] < 0, not t[0], [a for a, _ in t[0]], str(t[0])))


def _common_factor(p: Poly) -> tuple[Monomial, Fraction]:
    monomials = list(p)
    shared = set(dict(monomials[0]))
    for m in monomials[1:]:
        shared &= set(dict(m))
    factor = []
    for a in sorted(shared):
        exps = [dict(m)[a] for m in monomials]
        if all(e > 0 for e in exps):
            factor.append((a, min(exps)))
        elif all(e < 0 for e in exps):
            factor.append((a, max(exps)))
    coefficients = list(p.values())
    c = Fraction(1)
    if len(set(abs(v) for v in coefficients)) == 1 and (len(p) > 1 or not factor):
        c = abs(coefficients[0])
    if all(v < 0 for v in coefficients) and len(p) > 1:
        c = -c
    return tuple(factor), c


def _most_shared_atom(p: Poly):
    """The (atom, sign) that the most terms share, if at least two do."""
    counts: dict[tuple, int] = {}
    for m in p:
        for a, e in m:
            counts[(a, 1 if e > 0 else -1)] = counts.get((a, 1 if e > 0 else -1), 0) + 1
    best = max(sorted(counts.items()), key=lambda kv: kv[1], default=None)
    return best[0] if best and best[1] >= 2 else None


def _monomial_node(m: Monomial, c: Fraction, opaque) -> gast.expr:
    above = [(a, e) for a, e in m if e > 0]
    below = [(a, -e) for a, e in m if e < 0]
    negative = c < 0
    c = abs(c)
    node = None
    if c != 1 or not above:  # a number alone stays a float: it may be an adjoint
        node = _number(c, not above)
        if negative:  # the sign goes on the number: -2 * x, not -(2 * x)
            node, negative = gast.UnaryOp(op=gast.USub(), operand=node), False
    for a, e in sorted(above, key=lambda ae: opaque.order(ae[0])):
        node = _product(node, _power_node(a, e, opaque))
    if below:
        divisor = None
        for a, e in below:
            divisor = _product(divisor, _power_node(a, e, opaque))
        node = gast.BinOp(left=node if node is not None else _number(Fraction(1), True),
                          op=gast.Div(), right=_parenthesized(divisor))
    return gast.UnaryOp(op=gast.USub(), operand=node) if negative else node


def _number(c: Fraction, as_float: bool = False) -> gast.Constant:
    value = int(c) if c.denominator == 1 and not as_float else float(c)
    return gast.Constant(value=value, kind=None)


def _power_node(a: str, e: int, opaque) -> gast.expr:
    base = clone(opaque.opaque[a]) if a in opaque.opaque else gast.Name(id=a, ctx=gast.Load(), annotation=None,
                                                           type_comment=None)
    if e == 1:
        return base
    return gast.BinOp(left=base, op=gast.Pow(), right=gast.Constant(value=e, kind=None))


def _product(left: gast.expr | None, right: gast.expr) -> gast.expr:
    return right if left is None else gast.BinOp(left=left, op=gast.Mult(), right=right)


def _parenthesized(node: gast.expr) -> gast.expr:
    return node  # astor adds the parentheses precedence needs


def operations(node: gast.expr) -> int:
    """Array operations an expression costs: arithmetic operators, negation of non-constants."""
    count = 0
    for n in walk(node):
        if isinstance(n, gast.BinOp):
            count += 1
        elif isinstance(n, gast.UnaryOp) and not isinstance(n.operand, gast.Constant):
            count += 1
    return count


# ---- simplification ---------------------------------------------------------------------------

class Simplifier:
    """Simplifies expressions over names whose arithmetic definitions ``definitions`` gives
    (each name assigned once, before every use, from names that are never rebound)."""

    def __init__(self, definitions: dict[str, gast.expr], scalars: frozenset = frozenset()):
        self.reader = Reader()
        self.names = Names(self.reader.opaque, scalars)
        self.definitions: dict[str, Poly] = {}
        for var, value in definitions.items():
            try:
                p = Reader().poly(value)
            except Unsupported:
                continue
            if arithmetic_only(p) and p != atom(var):
                self.definitions[var] = p
        # names that are a power of one other name (p = 1.0 / t), by that name
        self.powers: dict[str, list[tuple[str, int]]] = {}
        for var, d in sorted(self.definitions.items()):
            if len(d) == 1:
                (m, c), = d.items()
                if c == 1 and len(m) == 1 and m[0][0] != var:
                    self.powers.setdefault(m[0][0], []).append((var, m[0][1]))

    def simplified(self, value: gast.expr) -> gast.expr | None:
        """A cheaper equal expression, or None."""
        try:
            p = self.reader.poly(value)
        except (Unsupported, ZeroDivisionError):
            return None
        candidates = [write(p, self.names)]  # like terms collected, nothing expanded
        if all(e > 0 for m in p for _, e in m):
            return candidates[0]  # no divisor: expanding definitions has nothing to cancel
        try:
            basis: list[tuple[str, Poly]] = []  # substitutions made, in order
            p = self._canonical(p, basis)
            p = self._cancel_divisors(p, basis)
            p = self._folded(p, basis)
            candidates.append(write(p, self.names))
        except (Unsupported, ZeroDivisionError):
            pass
        return min(candidates, key=operations)

    def _definition(self, var: str, basis: list) -> Poly:
        p = self.definitions[var]
        for a, value in basis:
            if a in atoms_of(p):
                p = substitute(p, a, value)
        return p

    def _canonical(self, p: Poly, basis: list) -> Poly:
        """Expand names into their definitions where that stays a Laurent polynomial; solve the
        linear definition of a divisor for its operand where it does not."""
        done: set[str] = set()
        for _ in range(MAX_ROUNDS):
            if len(basis) > MAX_SUBSTITUTIONS:
                raise Unsupported("too deep")
            changed = False
            for a in sorted(atoms_of(p)):
                if a in done or a not in self.definitions or a not in atoms_of(p):
                    continue
                d = self._definition(a, basis)
                if min(exponents(p, a)) > 0 or len(d) == 1:
                    p = substitute(p, a, d)
                    basis.append((a, d))
                    done.add(a)
                    changed = True
            if changed:
                continue
            for a in sorted(atoms_of(p)):
                if a in done or a not in self.definitions or a not in atoms_of(p):
                    continue
                solved = _solved_linear(a, self._definition(a, basis))
                if solved is not None and solved[0] not in done:
                    operand, value = solved
                    p = substitute(p, operand, value)
                    basis.append((operand, value))
                    done.update((a, operand))
                    changed = True
                    break
            if not changed:
                return p
        return p

    def _cancel_divisors(self, p: Poly, basis: list) -> Poly:
        """Cancel a divisor ``q`` against its definition ``d``: with ``K`` its highest inverse
        power, ``p = n / q**K``; replace ``q`` by ``d`` in ``n`` and divide by ``d`` while exact."""
        for q in sorted(atoms_of(p)):
            if q not in self.definitions or min(exponents(p, q), default=0) >= 0:
                continue
            d = self._definition(q, basis)
            if len(d) < 2:
                continue
            k = -min(exponents(p, q))
            n = substitute(times(p, atom(q, k)), q, d)
            cancelled = 0
            while cancelled < k:
                quotient = divided_exactly(n, d)
                if quotient is None:
                    break
                n, cancelled = quotient, cancelled + 1
            if cancelled:
                p = times(n, atom(q, cancelled - k)) if cancelled < k else n
        return p

    def _folded(self, p: Poly, basis: list) -> Poly:
        """Use names for what they stand for: ``t ** -1`` -> ``p`` where ``p = 1.0 / t``."""
        for a in sorted(atoms_of(p)):
            for var, e in self.powers.get(a, ()):
                if any(x % e == 0 and x * e > 0 for x in exponents(p, a)):
                    p = _renamed_power(p, a, e, var)
        return p


def _renamed_power(p: Poly, a: str, e: int, var: str) -> Poly:
    """``p`` with ``a ** (k e)`` written ``var ** k``, where ``var = a ** e``."""
    out: Poly = {}
    for mono, coef in p.items():
        x = dict(mono).get(a, 0)
        if x and x % e == 0 and x * e > 0:
            rest = tuple((b, y) for b, y in mono if b != a)
            mono = monomial_times(rest, ((var, x // e),))
        out = plus(out, {mono: coef})
    return out


def _solved_linear(var: str, d: Poly) -> tuple[str, Poly] | None:
    """For ``var = alpha * u + beta`` (constants alpha, beta): ``(u, (var - beta) / alpha)``."""
    linear = [(m, c) for m, c in d.items() if m]
    if len(linear) != 1 or len(linear[0][0]) != 1 or linear[0][0][0][1] != 1:
        return None
    (((u, _),), alpha) = linear[0]
    beta = d.get((), Fraction(0))
    return u, scaled(plus(atom(var), constant(-beta)), 1 / alpha)


# ---- the pass over a generated function ---------------------------------------------------------

def simplify_adjoints(fn: gast.FunctionDef, kinds: dict, adjoints: set[str],
                      pure: Callable[[gast.Call], bool]) -> None:
    """Replace each adjoint assignment, together with the single-use adjoint temporaries it
    reads, by a cheaper equal expression where the algebra finds one (in place). A second
    round folds what the first left read once (``g = 2 * a; x_bar = g * x + g * x``)."""
    first = _simplify_round(fn, kinds, adjoints, pure, _Attempts())
    if first.changed:   # (``first`` keeps the statements it folded alive: ids stay unique)
        _simplify_round(fn, kinds, adjoints, pure, first.attempts)


class _Attempts:
    """Statements the algebra found nothing for, with the expression it tried (by structure):
    the second round tries again only what changed. A failure is a function of the expression,
    the definitions and the kinds; the definitions are forward values, which no round
    changes (checked), and an adjoint folded away is never a name a result could use."""

    def __init__(self):
        self.structures = Structures()
        self.failed: set[tuple[int, int]] = set()
        self.simplifier: Simplifier | None = None
        self.defined_by: dict[str, int] = {}   # each definition's node, by id, as last read

    def simplifier_for(self, definitions: dict[str, gast.expr], scalars: frozenset) -> "Simplifier":
        """The simplifier of these definitions: the last one if they are the same nodes
        (no round rewrites a forward value), else a new one, and then no failure holds."""
        defined_by = {v: id(value) for v, value in definitions.items()}
        if self.simplifier is None or defined_by != self.defined_by \
                or scalars != self.simplifier.names.scalars:
            self.simplifier, self.defined_by = Simplifier(definitions, scalars), defined_by
            self.failed.clear()
        return self.simplifier


def _simplify_round(fn: gast.FunctionDef, kinds: dict, adjoints: set[str], pure,
                    attempts: _Attempts) -> "_Round":
    loads, stores = _counts(fn)
    stable, order = _stable_names(fn, stores)
    # forward values only: an adjoint read once is folded in below, where its statement goes
    scalars = frozenset(v for v, k in kinds.items() if k.tag in ("int", "scalar"))
    simplifier = attempts.simplifier_for({v: value for v, value in stable.items()
                                          if value is not None and v not in adjoints}, scalars)
    single = {v for v in adjoints if loads.get(v) == 1 and stores.get(v) == 1}
    defined_at: dict[int, list[str]] = {}
    for v, k in order.items():
        defined_at.setdefault(k, []).append(v)
    available: set[str] = set(defined_at.get(-1, ()))
    round_ = _Round(simplifier, kinds, adjoints, single, available, pure, attempts)
    for index, s in enumerate(fn.body):
        available.update(defined_at.get(index - 1, ()))
        round_.visit(fn.body, [(index, s)])
    # Folded statements leave their blocks only now: removing each at once rebuilt a block
    # per fold (quadratic in a long function); until then lookups skip them.
    if round_.folded:
        _drop_folded(fn.body, round_.folded)
    return round_


class _Round:
    """One round over a function's blocks. Statements stay where they are during the round
    (so positions hold); ``folded`` are those merged into a later one, skipped and removed at
    the end (the dict keeps them alive, so no new node can take one of their ids)."""

    def __init__(self, simplifier: Simplifier, kinds: dict, adjoints: set[str], single: set[str],
                 available: set[str], pure, attempts: _Attempts):
        self.simplifier, self.kinds, self.adjoints, self.single = simplifier, kinds, adjoints, single
        self.available, self.pure, self.attempts = available, pure, attempts
        self.folded: dict[int, gast.stmt] = {}
        self.stores: dict[int, set[str]] = {}   # _stores of each statement, by id, this round
        self.changed = False

    def visit(self, stmts: list[gast.stmt], items=None) -> None:
        for k, t in enumerate(stmts) if items is None else items:
            if id(t) in self.folded:
                continue
            for field_name in ("body", "orelse"):
                inner = getattr(t, field_name, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                    self.visit(inner)
            if isinstance(t, gast.Assign) and len(t.targets) == 1 \
                    and isinstance(t.targets[0], gast.Name) and t.targets[0].id in self.adjoints:
                if _simplify_statement(stmts, k, self):
                    self.changed = True

    def stores_of(self, s: gast.stmt) -> set[str]:
        """``_stores(s)``, computed once a round: a rewrite changes only assigned values."""
        found = self.stores.get(id(s))
        if found is None:
            found = self.stores[id(s)] = _stores(s)
        return found


def _drop_folded(stmts: list[gast.stmt], folded: dict[int, gast.stmt]) -> None:
    stmts[:] = [t for t in stmts if id(t) not in folded]
    for t in stmts:
        for field_name in ("body", "orelse"):
            inner = getattr(t, field_name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                _drop_folded(inner, folded)


def _simplify_statement(block: list[gast.stmt], at: int, round_: "_Round") -> bool:
    s = block[at]
    combined, used = _with_single_uses(block, at, round_)
    if any(isinstance(n, gast.Call) and not round_.pure(n) for n in walk(combined)):
        return False
    if not any(isinstance(n, gast.BinOp) and isinstance(n.op, (gast.Mult, gast.Div))
               for n in walk(combined)):
        return False  # sums alone have nothing to cancel
    attempt = (id(s), round_.attempts.structures.key(combined))
    if attempt in round_.attempts.failed:
        return False
    out = _cheaper(combined, round_)
    if out is None:
        round_.attempts.failed.add(attempt)
        return False
    s.value = out
    round_.folded.update((id(d), d) for d in used)
    return True


def _cheaper(combined: gast.expr, round_: "_Round") -> gast.expr | None:
    """A cheaper expression equal to ``combined`` that may replace it here, or None."""
    out = round_.simplifier.simplified(combined)
    if out is None or operations(out) >= operations(combined):
        return None
    before, after = _names(combined), _names(out)
    if not after - before <= round_.available:
        return None  # a name that does not hold its value here
    if _shape_keys(before, round_.kinds) != _shape_keys(after, round_.kinds):
        return None  # a different set of shapes may broadcast differently
    if not _divisors(out) <= _divisors(combined):
        return None  # a new division could raise where the original did not
    return out


def _with_single_uses(block: list[gast.stmt], at: int, round_: "_Round"):
    """``block[at]``'s value with the single-use temporaries defined before it in the block
    substituted (recursively), when nothing in between rebinds what they read. At most
    ``MAX_FOLDED`` definitions: a long chain of single uses (``sin`` nested deep) would
    otherwise be expanded again, whole, for each of its statements."""
    used: list[gast.stmt] = []
    found_count = [0]   # definitions found so far, counted before expanding each one

    def expand(node: gast.expr, before: int) -> tuple[gast.expr, bool]:
        """``node`` expanded, and whether that is a copy (else it is ``node``: most
        statements read no single-use temporary, and copying them all cost more than the
        algebra's look at them)."""
        copied = False
        for n in [n for n in name_nodes(node) if n.id in round_.single]:
            if found_count[0] >= MAX_FOLDED:
                break
            found = _definition_in(block, before, at, n.id, round_)
            if found is None:
                continue
            found_count[0] += 1
            k, d = found
            value, fresh = expand(d.value, k)
            if not copied:
                node, copied = clone(node), True
            node = _replace_name(node, n.id, value if fresh else clone(value))
            used.append(d)
        return node, copied

    return expand(block[at].value, at)[0], used


def _definition_in(block: list[gast.stmt], before: int, at: int, var: str, round_: "_Round"):
    """The assignment of ``var`` last before ``block[before]``, if what it reads still holds
    the same values at ``block[at]``, where the substituted value is computed."""
    folded = round_.folded
    for k in range(before - 1, -1, -1):
        s = block[k]
        if id(s) in folded:
            continue
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Name) and s.targets[0].id == var:
            reads = _names(s.value) | {var}
            if any(round_.stores_of(t) & reads for t in block[k + 1:at]
                   if t is not block[before] and id(t) not in folded):
                return None
            return k, s
        if var in round_.stores_of(s):
            return None
    return None


def _replace_name(node: gast.expr, var: str, value: gast.expr) -> gast.expr:
    """``node`` (changed in place) with ``value`` where it reads ``var`` (a copy of it after
    the first place: ``var`` is read once, so normally there is no second)."""
    placed = [False]

    class Replace(Transformer):
        def visit_Name(self, n):
            if n.id != var or not isinstance(n.ctx, gast.Load):
                return n
            if placed[0]:
                return clone(value)
            placed[0] = True
            return value
    return Replace().visit(node)


def _stable_names(fn: gast.FunctionDef, stores: dict[str, int]) -> tuple[dict, dict]:
    """Names that hold one value from their definition on: parameters never assigned, and
    names assigned once by a top-level statement (never written into, never rebound). Returns
    their arithmetic definitions (None where not arithmetic or reading an unstable name) and
    the index of the top-level statement that defines each (-1 for parameters)."""
    written = set()
    for n in walk(fn):
        if isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store) \
                and isinstance(n.value, gast.Name):
            written.add(n.value.id)
        elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
            written.add(n.target.id)
    once = {v for v, c in stores.items() if c == 1} - written
    stable: dict[str, gast.expr | None] = {}
    order: dict[str, int] = {}
    for a in fn.args.args:
        if isinstance(a, gast.Name) and a.id not in stores and a.id not in written:
            stable[a.id], order[a.id] = None, -1
    for index, s in enumerate(fn.body):
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name) \
                and s.targets[0].id in once:
            var = s.targets[0].id
            reads = _names(s.value)
            arithmetic = all(isinstance(n, (gast.BinOp, gast.UnaryOp, gast.Name, gast.Constant,
                                            gast.Load, gast.operator, gast.unaryop))
                             for n in walk(s.value))
            # (read, never changed: Simplifier takes each definition's polynomial at once)
            stable[var] = s.value if arithmetic and all(r in stable for r in reads) else None
            order[var] = index
    return stable, order


def _counts(fn: gast.FunctionDef) -> tuple[dict[str, int], dict[str, int]]:
    """How many times each name is read, and assigned, in ``fn``."""
    loads: dict[str, int] = {}
    stores: dict[str, int] = {}
    for n in name_nodes(fn):
        counts = loads if n.ctx.__class__ is gast.Load else stores if n.ctx.__class__ is gast.Store \
            else None
        if counts is not None:
            counts[n.id] = counts.get(n.id, 0) + 1
    return loads, stores


def _stores(s: gast.stmt) -> set[str]:
    out = {n.id for n in name_nodes(s) if n.ctx.__class__ is gast.Store}
    out |= {n.value.id for n in walk(s) if isinstance(n, gast.Subscript)
            and isinstance(n.ctx, gast.Store) and isinstance(n.value, gast.Name)}
    return out


def _names(node: gast.AST) -> set[str]:
    return {n.id for n in name_nodes(node) if n.ctx.__class__ is gast.Load}


def _shape_keys(names: set[str], kinds: dict) -> set:
    """What the result's broadcast shape is made of: one key per array shape (the kind's shape
    anchor; the name itself when unknown). Numbers broadcast to anything and count for nothing."""
    keys = set()
    for v in names:
        kind = kinds.get(v)
        if kind is not None and kind.tag in ("int", "scalar", "none"):
            continue
        like = getattr(kind, "like", None)
        keys.add(("like", like) if like is not None else ("name", v))
    return keys


def _divisors(node: gast.expr) -> set[str]:
    """The names and calls that divisors are made of."""
    return {m.id if isinstance(m, gast.Name) else gast.dump(m)
            for n in walk(node) if isinstance(n, gast.BinOp) and isinstance(n.op, gast.Div)
            for m in walk(n.right) if isinstance(m, (gast.Name, gast.Call, gast.Subscript))}
