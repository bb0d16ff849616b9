"""Safe evaluation of a product's custom prioritization formula.

A product may rank its backlog with its own formula, such as ``reach * impact / effort^0.5`` or
``max(value, 2) - log(estimate + 1)``. The language is arithmetic and nothing else:

- numbers (``3``, ``0.5``, ``.5``) and names (``[A-Za-z_][A-Za-z0-9_]*``) of the item's numeric
  inputs or custom fields, given to ``parse`` as the allowed names;
- binary ``+ - * /`` and ``^`` (power: right-associative and tighter than unary minus, so
  ``2^3^2`` is 512 and ``-2^2`` is -4), unary ``+`` and ``-``, parentheses;
- the functions ``sqrt(x)``, ``log(x)`` (natural) or ``log(x, base)``, ``abs(x)``,
  ``min(a, b, ...)`` and ``max(a, b, ...)``.

The text comes from users, so it is tokenized and parsed by hand (recursive descent) into a small
tree that only this module walks. Nothing reaches ``eval``, ``exec``, ``compile`` or Python's
``ast``: attribute access, subscripts, strings, imports and calls of anything but the five functions
cannot even be written. Parsing refuses everything else with the 0-based character position of the
problem and caps the text length, nesting depth and tree size, so that a formula can neither
exhaust the stack nor the CPU. Evaluation refuses missing inputs, division by zero, domain errors
and results that are not finite, again with a position.
"""

from __future__ import annotations

import math
import string
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

MAX_LENGTH = 500
MAX_DEPTH = 20
MAX_NODES = 200
# 9^9^9^9 must fail at once rather than compute a number with millions of digits.
MAX_EXPONENT = 1000
MAX_POWER_RESULT = 1e300

_WHITESPACE = " \t\r\n"
# Explicit ASCII sets: str.isdigit() and str.isidentifier() accept other Unicode characters.
_DIGITS = frozenset(string.digits)
_NAME_START = frozenset(string.ascii_letters + "_")
_NAME_CHARS = _NAME_START | _DIGITS
_OPERATORS = frozenset("+-*/^")
_PUNCTUATION = _OPERATORS | frozenset("(),")

# Function name -> (fewest arguments, most arguments or None for no limit).
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "sqrt": (1, 1),
    "log": (1, 2),
    "abs": (1, 1),
    "min": (1, None),
    "max": (1, None),
}


class FormulaError(Exception):
    """A formula was refused, at parse or at evaluation time, at ``position`` (0-based)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message, position)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.message} at position {self.position}"


# --- Tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "number", "name", "end" or the punctuation character itself
    text: str
    pos: int

    @property
    def end(self) -> int:
        return self.pos + len(self.text)

    def describe(self) -> str:
        if self.kind == "end":
            return "the end of the formula"
        if self.kind == "number":
            return f"number {self.text}"
        if self.kind == "name":
            return f"name {self.text!r}"
        return repr(self.text)


def _skip_whitespace(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _lex(text: str, pos: int) -> _Token:
    """Read the token at or after ``pos``.

    Tokens are read one at a time as the parser needs them, so the first problem from the left is
    the one reported (``__import__('os')`` is an unknown name, not a bad quote).
    """
    pos = _skip_whitespace(text, pos)
    n = len(text)
    if pos == n:
        return _Token("end", "", pos)
    char = text[pos]
    if char in _DIGITS or (char == "." and pos + 1 < n and text[pos + 1] in _DIGITS):
        end = pos
        while end < n and text[end] in _DIGITS:
            end += 1
        if end < n and text[end] == ".":
            end += 1
            while end < n and text[end] in _DIGITS:
                end += 1
        return _Token("number", text[pos:end], pos)
    if char in _NAME_START:
        end = pos + 1
        while end < n and text[end] in _NAME_CHARS:
            end += 1
        return _Token("name", text[pos:end], pos)
    if char in _PUNCTUATION:
        return _Token(char, char, pos)
    raise FormulaError(f"Unexpected character {char!r}", pos)


# --- Tree -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Number:
    value: float
    pos: int


@dataclass(frozen=True, slots=True)
class _Variable:
    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class _Unary:
    op: str
    operand: _Node
    pos: int


@dataclass(frozen=True, slots=True)
class _Binary:
    op: str
    left: _Node
    right: _Node
    pos: int


@dataclass(frozen=True, slots=True)
class _Call:
    function: str
    args: tuple[_Node, ...]
    pos: int


_Node = _Number | _Variable | _Unary | _Binary | _Call


# --- Parser ---------------------------------------------------------------------------------------


class _Parser:
    """Recursive descent over the grammar, lowest precedence first::

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("+" | "-") unary | power
    power      := primary ("^" unary)?
    primary    := number | name | function "(" expression ("," expression)* ")"
                | "(" expression ")"
    """

    def __init__(self, text: str, names: frozenset[str]) -> None:
        self.text = text
        self.names = names
        self.used: set[str] = set()
        self.depth = 0
        self.nodes = 0
        self.previous: _Token | None = None
        self.token = _lex(text, 0)

    def advance(self) -> _Token:
        token = self.token
        self.previous = token
        self.token = _lex(self.text, token.end)
        return token

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"Formula is nested more than {MAX_DEPTH} levels deep", pos)

    def leave(self) -> None:
        self.depth -= 1

    def node(self, node: _Node) -> _Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FormulaError(f"Formula has more than {MAX_NODES} parts", node.pos)
        return node

    def formula(self) -> _Node:
        root = self.expression()
        if self.token.kind == ")":
            raise FormulaError("Unbalanced parenthesis: ')' has no matching '('", self.token.pos)
        if self.token.kind != "end":
            raise FormulaError(f"Unexpected {self.token.describe()}", self.token.pos)
        return root

    def expression(self) -> _Node:
        node = self.term()
        while self.token.kind in ("+", "-"):
            op = self.advance()
            node = self.node(_Binary(op.kind, node, self.term(), op.pos))
        return node

    def term(self) -> _Node:
        node = self.unary()
        while self.token.kind in ("*", "/"):
            op = self.advance()
            node = self.node(_Binary(op.kind, node, self.unary(), op.pos))
        return node

    def unary(self) -> _Node:
        if self.token.kind in ("+", "-"):
            op = self.advance()
            self.enter(op.pos)
            operand = self.unary()
            self.leave()
            return self.node(_Unary(op.kind, operand, op.pos))
        return self.power()

    def power(self) -> _Node:
        base = self.primary()
        if self.token.kind != "^":
            return base
        op = self.advance()
        # The exponent recurses (right-associativity), so it counts towards the depth too.
        self.enter(op.pos)
        exponent = self.unary()
        self.leave()
        return self.node(_Binary("^", base, exponent, op.pos))

    def primary(self) -> _Node:
        token = self.token
        if token.kind == "number":
            self.advance()
            value = float(token.text)
            if not math.isfinite(value):
                raise FormulaError("Number is too large", token.pos)
            return self.node(_Number(value, token.pos))
        if token.kind == "name":
            return self.name_or_call()
        if token.kind == "(":
            self.advance()
            self.enter(token.pos)
            inner = self.expression()
            self.close(token)
            self.leave()
            return inner
        if token.kind == "end":
            raise FormulaError("Unexpected end of formula", token.pos)
        if token.kind in ("*", "/", "^") and self.previous and self.previous.kind in _OPERATORS:
            raise FormulaError(
                f"Two operators in a row: {token.text!r} after {self.previous.text!r}", token.pos
            )
        raise FormulaError(
            f"Expected a number, a name or '(' but found {token.describe()}", token.pos
        )

    def close(self, opening: _Token) -> None:
        if self.token.kind == ")":
            self.advance()
            return
        if self.token.kind == "end":
            raise FormulaError("Unbalanced parenthesis: '(' is not closed", opening.pos)
        raise FormulaError(f"Expected ')' but found {self.token.describe()}", self.token.pos)

    def name_or_call(self) -> _Node:
        # Every check on the name happens before the next token is read (see _lex).
        token = self.token
        name = token.text
        after = _skip_whitespace(self.text, token.end)
        if self.text[after : after + 1] == "(":
            if name in FUNCTIONS:
                return self.call()
            if name in self.names:
                raise FormulaError(f"{name!r} is not a function", token.pos)
            raise FormulaError(f"Unknown name {name!r}", token.pos)
        if name in self.names:
            self.advance()
            self.used.add(name)
            return self.node(_Variable(name, token.pos))
        if name in FUNCTIONS:
            raise FormulaError(f"Function {name!r} needs its arguments in parentheses", token.pos)
        raise FormulaError(f"Unknown name {name!r}", token.pos)

    def call(self) -> _Node:
        name = self.advance()
        opening = self.advance()
        self.enter(opening.pos)
        args: list[_Node] = []
        if self.token.kind != ")":
            args.append(self.expression())
            while self.token.kind == ",":
                self.advance()
                args.append(self.expression())
        if self.token.kind not in (")", "end"):
            raise FormulaError(
                f"Expected ',' or ')' but found {self.token.describe()}", self.token.pos
            )
        self.close(opening)
        self.leave()
        fewest, most = FUNCTIONS[name.text]
        if len(args) < fewest or (most is not None and len(args) > most):
            raise FormulaError(_arity_message(name.text, fewest, most, len(args)), name.pos)
        return self.node(_Call(name.text, tuple(args), name.pos))


def _arity_message(function: str, fewest: int, most: int | None, given: int) -> str:
    if most is None:
        expected = f"at least {fewest} argument{'s' if fewest != 1 else ''}"
    elif fewest == most:
        expected = f"exactly {fewest} argument{'s' if fewest != 1 else ''}"
    else:
        expected = f"{fewest} or {most} arguments"
    return f"{function}() takes {expected}, not {given}"


# --- Evaluation -----------------------------------------------------------------------------------


def _input(node: _Variable, values: Mapping[str, object]) -> float:
    raw = values.get(node.name)
    if raw is None:
        raise FormulaError(f"{node.name} has no value", node.pos)
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if not isinstance(raw, int | float | Decimal):
        raise FormulaError(f"{node.name} is not a number", node.pos)
    try:
        value = float(raw)
    except (OverflowError, ValueError):  # a huge int; Decimal("sNaN")
        value = math.nan
    if not math.isfinite(value):
        raise FormulaError(f"{node.name} is not a finite number", node.pos)
    return value


def _power(base: float, exponent: float, pos: int) -> float:
    if abs(exponent) > MAX_EXPONENT:
        raise FormulaError(f"Exponent is larger than {MAX_EXPONENT}", pos)
    if base == 0 and exponent < 0:
        raise FormulaError("Division by zero", pos)
    if base < 0 and not exponent.is_integer():
        raise FormulaError("A negative number cannot be raised to a fractional power", pos)
    try:
        result = math.pow(base, exponent)
    except OverflowError:
        result = math.inf
    if abs(result) > MAX_POWER_RESULT:
        raise FormulaError("Result is too large", pos)
    return result


def _binary(op: str, left: float, right: float, pos: int) -> float:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        if right == 0:
            raise FormulaError("Division by zero", pos)
        return left / right
    return _power(left, right, pos)


def _call(function: str, args: list[float], pos: int) -> float:
    if function == "sqrt":
        if args[0] < 0:
            raise FormulaError("sqrt() of a negative number", pos)
        return math.sqrt(args[0])
    if function == "log":
        if args[0] <= 0:
            raise FormulaError("log() of a number that is not positive", pos)
        if len(args) == 2:
            base = args[1]
            if base <= 0 or base == 1:
                raise FormulaError("log() base must be positive and not 1", pos)
            return math.log(args[0], base)
        return math.log(args[0])
    if function == "abs":
        return abs(args[0])
    if function == "min":
        return min(args)
    return max(args)


def _evaluate(node: _Node, values: Mapping[str, object]) -> float:
    if isinstance(node, _Number):
        return node.value
    if isinstance(node, _Variable):
        return _input(node, values)
    if isinstance(node, _Unary):
        operand = _evaluate(node.operand, values)
        return -operand if node.op == "-" else operand
    if isinstance(node, _Binary):
        result = _binary(
            node.op, _evaluate(node.left, values), _evaluate(node.right, values), node.pos
        )
    else:
        result = _call(node.function, [_evaluate(arg, values) for arg in node.args], node.pos)
    # Finite inputs can still overflow to inf (1e200 * 1e200); the score must stay a number.
    if not math.isfinite(result):
        raise FormulaError("Result is too large", node.pos)
    return result


# --- Public API -----------------------------------------------------------------------------------


class Formula:
    """A parsed formula: ``text`` as written, ``names`` the variables it reads."""

    __slots__ = ("_root", "names", "text")

    def __init__(self, text: str, names: frozenset[str], root: _Node) -> None:
        self.text = text
        self.names = names
        self._root = root

    def evaluate(self, values: Mapping[str, object]) -> float:
        """Compute the formula; booleans count as 1 and 0, a missing or None value is refused.

        Values are numbers (int, float, Decimal or bool) keyed by name; raises FormulaError with
        the position of the name, operator or function at fault.
        """
        return _evaluate(self._root, values)

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"


def parse(text: str, names: Collection[str]) -> Formula:
    """Parse ``text``, allowing the variable ``names``; raise FormulaError on anything else."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"Formula is longer than {MAX_LENGTH} characters", MAX_LENGTH)
    if not text.strip(_WHITESPACE):
        raise FormulaError("Formula is empty", 0)
    parser = _Parser(text, frozenset(names))
    root = parser.formula()
    return Formula(text, frozenset(parser.used), root)
