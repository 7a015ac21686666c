"""Frontend: find a function's source, parse it, and resolve its free names.

Two environments answer "what is this global name?": :class:`LiveEnv` reads a
live function's globals and closure, :class:`StaticEnv` reads a file's imports
and top-level constants *without running the file*.  Both hand back Python
objects (``math.sin``, ``3.0``, a module) or a :class:`SourceFunction` for a
user function whose source we will differentiate too.
"""
from __future__ import annotations

import ast
import builtins
import copy
import difflib
import importlib
import inspect
import io
import os
import re
import textwrap
import tokenize
import types
from dataclasses import dataclass

from ..custom import unwrap
from ..errors import CompileError, UsageError
from ..core.gcpause import gc_paused
from ..core.ir import is_number
from ..prims.primitives import too_big

#: modules the static environment may import by itself: never user code.  Their
#: Python functions are library code, never inlined as helpers (SciPy's
#: ``logsumexp`` is "not supported", not its source read); SciPy is imported
#: only for a file that imports it
SAFE_MODULES = {"math", "numpy", "cmath", "scipy", "adcompiler"}


@dataclass(eq=False)
class SourceFunction:
    """A parsed ``def`` with everything needed to lower it."""

    node: ast.FunctionDef
    filename: str
    lines: list  # the file's lines, for comments in the emitted code
    env: "Env"
    name: str = ""
    live: object = None  # the live function object, when there is one

    def __post_init__(self) -> None:
        self.name = self.name or self.node.name
        self.node = positional_signature(self.node)

    def error(self, message: str, node: ast.AST | None = None, construct: str = "") -> CompileError:
        line = getattr(node, "lineno", self.node.lineno) if node is not None else self.node.lineno
        col = getattr(node, "col_offset", 0) if node is not None else 0
        return CompileError(message, self.filename, line, col + 1, construct)

    def line_text(self, line: int) -> str:
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""


def positional_signature(node):
    """``def f(x, *, scale=2.0)`` read as ``def f(x, scale=2.0)``: keyword-only
    parameters become ordinary ones after the others (the emitted code then
    takes them by keyword or by position; ``wrt="scale"`` names them).  A
    node that cannot be read so (``*args``, or a keyword-only parameter
    without a default after defaults) is returned as it is, for the lowering
    to refuse."""
    a = node.args
    if not a.kwonlyargs or a.vararg or a.kwarg:
        return node
    if _needs_order(a):
        return node
    kw_defaults = [d for d in a.kw_defaults if d is not None]
    new_args = copy.copy(a)
    new_args.args = a.args + a.kwonlyargs
    new_args.defaults = a.defaults + kw_defaults
    new_args.kwonlyargs, new_args.kw_defaults = [], []
    new = copy.copy(node)
    new.args = new_args
    return new


def _needs_order(a) -> bool:
    """Would the flattened parameters put one without a default after one with?"""
    seen_default = bool(a.defaults)
    for d in a.kw_defaults:
        if d is None and seen_default:
            return True
        seen_default = seen_default or d is not None
    return False


class Env:
    """Resolves global names of one module."""

    filename = "<unknown>"

    def lookup(self, name: str):
        raise NotImplementedError

    def function(self, obj) -> "SourceFunction | None":
        """The source of a user function object, or None when it is not one."""
        return None

    def attribute(self, base, name: str):
        """``base.name`` for a module ``base``."""
        return getattr(base, name, _MISSING)


_MISSING = object()


class LiveEnv(Env):
    """Globals, closure cells and builtins of a live function.

    Every name resolved is recorded in ``reads`` with the object it gave, so
    that a compiled derivative can tell, cheaply on each call, whether it is
    still the derivative of the function as it would run now (see
    :class:`adcompiler.runtime.watch.Watch` and docs/conventions.md, "Globals and
    closures")."""

    def __init__(self, fn: types.FunctionType) -> None:
        self.fn = fn
        self.filename = fn.__code__.co_filename
        self.cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
        self.reads: dict = {}  # (id(holder), kind) -> (kind, holder, {key: value})

    def _record(self, kind: str, holder, key, value) -> None:
        entry = self.reads.setdefault((id(holder), kind), (kind, holder, {}))
        entry[2].setdefault(key, value)

    def lookup(self, name: str):
        cell = self.cells.get(name)
        if cell is not None:
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell: Python would raise NameError
                value = _MISSING
            self._record("cell", cell, name, value)
            return value
        found = self.fn.__globals__.get(name, _MISSING)
        self._record("dict", self.fn.__globals__, name, found)
        if found is not _MISSING:
            return found
        return getattr(builtins, name, _MISSING)

    def attribute(self, base, name: str):
        value = getattr(base, name, _MISSING)
        top = getattr(base, "__name__", "").split(".")[0]
        space = getattr(base, "__dict__", None)
        if top not in SAFE_MODULES and isinstance(space, dict) and name in space:
            self._record("dict", space, name, value)  # module.h = other is seen
        return value

    def function(self, obj):
        obj = unwrap(obj)  # a @custom_vjp object: its function
        # numpy's own Python functions (np.linalg.inv in NumPy 1.x) are library
        # code, not helpers to inline: the module's top package decides
        module = (getattr(obj, "__module__", None) or "").split(".")[0]
        if isinstance(obj, types.FunctionType) and module not in SAFE_MODULES:
            return load_live(obj)
        return None

    def defaults(self) -> tuple:
        """The default values Python evaluated when the ``def`` ran (not the
        globals' values now: ``def f(x, n=N)`` keeps the old ``N``)."""
        values = self.fn.__defaults__ or ()
        if values:
            self._record("attr", self.fn, "__defaults__", self.fn.__defaults__)
        kw = self.fn.__kwdefaults__ or {}
        if kw:  # keyword-only ones, in the order positional_signature puts them
            self._record("attr", self.fn, "__kwdefaults__", self.fn.__kwdefaults__)
            names = self.fn.__code__.co_varnames[self.fn.__code__.co_argcount:
                                                 self.fn.__code__.co_argcount +
                                                 self.fn.__code__.co_kwonlyargcount]
            values = tuple(values) + tuple(kw[n] for n in names if n in kw)
        return values


class StaticEnv(Env):
    """Names of a file read as text: imports of safe modules, top-level numeric
    constants, functions defined in the file and in sibling modules."""

    def __init__(self, tree: ast.Module, filename: str, lines: list) -> None:
        self.filename = filename
        self.lines = lines
        self.names: dict = {}
        self.functions: dict = {}
        for stmt in tree.body:
            self._scan(stmt)

    def _scan(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.name.split(".")[0] in SAFE_MODULES:
                    mod = self._import(alias.name, stmt)
                    if alias.asname:
                        self.names[alias.asname] = mod
                    else:
                        top = alias.name.split(".")[0]
                        self.names[top] = importlib.import_module(top)
        elif isinstance(stmt, ast.ImportFrom) and stmt.module:
            self._scan_from(stmt)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.functions[stmt.name] = stmt
            self.names.pop(stmt.name, None)
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], ast.Name):
            value = self._constant(stmt.value)
            if value is not _MISSING:
                self.names[stmt.targets[0].id] = value
            else:
                self.names.pop(stmt.targets[0].id, None)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            value = self._constant(stmt.value)
            if value is not _MISSING:
                self.names[stmt.target.id] = value

    def _scan_from(self, stmt: ast.ImportFrom) -> None:
        top = stmt.module.split(".")[0]
        if stmt.level == 0 and top in SAFE_MODULES:
            mod = self._import(stmt.module, stmt)
            for alias in stmt.names:
                if hasattr(mod, alias.name):
                    self.names[alias.asname or alias.name] = getattr(mod, alias.name)
            return
        path = self._sibling(stmt.module, stmt.level)
        if path is None:
            return
        other = self._load_sibling(path, stmt)
        for alias in stmt.names:
            name = alias.asname or alias.name
            if alias.name in other.functions:
                self.names[name] = SourceFunction(other.functions[alias.name], path,
                                                  other.lines, other)
            elif alias.name in other.names:
                self.names[name] = other.names[alias.name]

    def _load_sibling(self, path: str, stmt: ast.ImportFrom) -> "StaticEnv":
        """The sibling file's environment.  Files importing each other (or a
        file importing itself) are refused, as Python's own import of them
        would fail; the error points at the import that starts the cycle in
        the first file of it (the file the user gave, usually)."""
        key = os.path.abspath(path)
        if key in _LOADING:
            chain = _LOADING[_LOADING.index(key):] + [key]
            raise self._cycle_error(chain, stmt)
        try:
            return load_file(path)
        except CompileError as exc:
            chain = getattr(exc, "cycle", None)
            here = os.path.abspath(self.filename)
            if chain and chain[0] == here and exc.filename != self.filename:
                raise self._cycle_error(chain, stmt) from None
            raise

    def _cycle_error(self, chain: list, stmt: ast.stmt) -> CompileError:
        names = " -> ".join(os.path.basename(p) for p in chain)
        err = CompileError(f"circular import ({names}): files that import each other cannot "
                           "be read (Python cannot import them either)", self.filename,
                           stmt.lineno, stmt.col_offset + 1, "import")
        err.cycle = chain
        return err

    def _import(self, name: str, stmt: ast.stmt):
        """Import a safe module (math, numpy); a missing one is the user's error."""
        try:
            return importlib.import_module(name)
        except ImportError:
            raise CompileError(f"no module named {name!r}", self.filename, stmt.lineno,
                               stmt.col_offset + 1, "import") from None

    def _sibling(self, module: str, level: int):
        base = os.path.dirname(os.path.abspath(self.filename))
        for _ in range(max(level - 1, 0)):
            base = os.path.dirname(base)
        path = os.path.join(base, *module.split(".")) + ".py"
        return path if os.path.isfile(path) else None

    def _constant(self, node: ast.expr):
        """Evaluate a constant expression (numbers, math names, arithmetic)."""
        try:
            value = _static_eval(node, self.names)
        except Exception:
            return _MISSING
        return value if is_number(value) or isinstance(value, bool) else _MISSING

    def lookup(self, name: str):
        if name in self.names:
            return self.names[name]
        if name in self.functions:
            return SourceFunction(self.functions[name], self.filename, self.lines, self)
        return getattr(builtins, name, _MISSING)

    def function(self, obj):
        return obj if isinstance(obj, SourceFunction) else None


def _static_eval(node: ast.expr, names: dict):
    if isinstance(node, ast.Constant) and is_number(node.value):
        return node.value
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.Attribute):
        base = _static_eval(node.value, names)
        if isinstance(base, types.ModuleType):
            return getattr(base, node.attr)
        raise ValueError
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _static_eval(node.operand, names)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp):
        a, b = _static_eval(node.left, names), _static_eval(node.right, names)
        if too_big({ast.Pow: "pow", ast.Mult: "mul"}.get(type(node.op), ""), (a, b)):
            raise ValueError("too large to evaluate statically")
        ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
               ast.Div: lambda: a / b, ast.Pow: lambda: a ** b}
        return ops[type(node.op)]()
    raise ValueError("not a constant")


_FILE_CACHE: dict = {}
#: absolute paths of the files being loaded (outermost first), to refuse import cycles
_LOADING: list = []
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def read_source(path: str) -> str:
    """A Python file's text decoded as Python decodes it: a PEP 263 coding
    line or a UTF-8 BOM is honoured (the BOM is dropped, so columns of line 1
    are those Python reports), otherwise UTF-8.  Undecodable bytes become a
    CompileError at their line and column."""
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError as exc:  # unknown coding name, or a BOM with another coding
        if "encoding declaration" not in str(exc.msg):
            raise CompileError(f"cannot decode the file: {exc.msg}", path, _cookie_line(data), 1,
                               "encoding") from None
        encoding = "utf-8"  # undecodable bytes on line 1 or 2: located below
    try:
        text = data.decode(encoding)
    except LookupError as exc:  # a codec that is not a text encoding (coding: hex)
        raise CompileError(f"cannot decode the file: {exc}", path, _cookie_line(data), 1,
                           "encoding") from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise CompileError(f"cannot decode the file: byte 0x{data[exc.start]:02x} is not valid "
                           f"{encoding}; save it as UTF-8 or declare its encoding on line 1 or "
                           "2 (# -*- coding: latin-1 -*-)", path, line, col, "encoding") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _cookie_line(data: bytes) -> int:
    """The line (1 or 2) holding the coding declaration."""
    return 1 if b"coding" in data.split(b"\n", 1)[0] else 2


def syntax_message(exc: SyntaxError) -> str:
    """``invalid syntax: MSG``, without saying "invalid syntax" twice."""
    msg = exc.msg or "invalid syntax"
    return msg if msg.startswith("invalid syntax") else f"invalid syntax: {msg}"


def source_lines(text: str) -> list:
    """The lines of Python source as the tokenizer numbers them: only ``\\n``,
    ``\\r\\n`` and ``\\r`` end a line.  (``str.splitlines`` also splits on form
    feed, NEL, U+2028 ..., which shifts every later line, so emitted comments
    would quote the wrong source line.)"""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def load_file(path: str, text: str | None = None) -> StaticEnv:
    """Parse a file without running it.  Syntax errors become CompileError."""
    key = os.path.abspath(path)
    if text is None and key in _FILE_CACHE:
        return _FILE_CACHE[key]
    if text is None:
        text = read_source(path)
    if "\0" in text:  # Python refuses these too; say where, not "line 0"
        at = text.index("\0")
        raise CompileError("invalid syntax: a null byte (\\x00) in the source", path,
                           text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at), "syntax")
    try:
        with gc_paused():  # (it halves the parse of a long file)
            tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise CompileError(syntax_message(exc), path, exc.lineno or 0,
                           exc.offset or 0, "syntax") from None
    _LOADING.append(key)
    try:
        env = StaticEnv(tree, path, source_lines(text))
    finally:
        _LOADING.pop()
    env.tree = tree
    _FILE_CACHE[key] = env
    return env


def read_files() -> list:
    """Paths of every source file :func:`load_file` has read (the input and
    the sibling modules it imports)."""
    return list(_FILE_CACHE)


def same_file(a: str, b: str) -> bool:
    """Do the two paths name one file (symlinks, hard links, ``./x.py``)?"""
    try:
        return os.path.samefile(a, b)
    except (OSError, AttributeError, ValueError):  # one does not exist (yet)
        return os.path.realpath(a) == os.path.realpath(b)


def load_live(fn) -> SourceFunction:
    """The parsed source of a live function, with line numbers of its file
    (of the function a ``@custom_vjp``/``@custom_jvp`` object wraps)."""
    if hasattr(type(fn), "adc_load"):  # def f(x, *args) with a count (varargs.py)
        return fn.adc_load()
    fn = unwrap(fn)
    ensure_function(fn)
    if isinstance(fn, types.MethodType):
        from .methods import load_method
        return load_method(fn)
    return _load_live(fn)


def ensure_function(fn) -> None:
    """Refuse, with a UsageError, anything that is not a plain Python function."""
    if hasattr(type(fn), "adc_load"):
        return
    fn = unwrap(fn)
    if isinstance(fn, (types.BuiltinFunctionType, types.BuiltinMethodType)):
        raise UsageError(f"{getattr(fn, '__name__', fn)!r} is a builtin: it has no Python source to differentiate")
    if isinstance(fn, types.MethodType):
        if isinstance(fn.__func__, types.FunctionType) and not inspect.isclass(fn.__self__):
            return  # model.loss: self is bound (methods.py)
        raise UsageError(f"{fn.__qualname__} is a bound method of a class or a builtin: "
                         "differentiate a plain function or a method of an instance")
    if inspect.isclass(fn):
        raise UsageError(f"{fn.__name__} is a class: differentiate a plain function")
    if not isinstance(fn, types.FunctionType):
        raise UsageError(f"{fn!r} is not a Python function")


def _defines(node, fn) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == fn.__name__


def _load_live(fn) -> SourceFunction:
    code = fn.__code__
    if fn.__name__ == "<lambda>":
        raise CompileError("lambda functions are not supported; write a def",
                           code.co_filename, code.co_firstlineno, 1, "lambda")
    unavailable = CompileError(f"the source of {fn.__name__} is not available "
                               "(made by exec or in an interactive session?)",
                               code.co_filename, code.co_firstlineno, 1, "source")
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        raise unavailable from None
    text = textwrap.dedent("".join(lines))
    try:  # parsed at its line of the file (ast.increment_lineno walked the whole tree)
        tree = ast.parse("\n" * (first - 1) + text)
    except SyntaxError as exc:
        raise CompileError(syntax_message(exc), code.co_filename,
                           exc.lineno or first, exc.offset or 0, "syntax") from None
    if not tree.body or (code.co_filename.startswith("<") and not _defines(tree.body[0], fn)):
        # Python 3.13's linecache answers for '<string>' with unrelated text
        raise unavailable
    node = tree.body[0]
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):  # async: checks.py says so
        raise CompileError("only functions defined with def can be differentiated",
                           code.co_filename, first, 1, type(node).__name__)
    try:
        file_lines = source_lines(read_source(code.co_filename))
    except (OSError, CompileError):
        file_lines = [""] * (first - 1) + source_lines(text)
    return SourceFunction(node, code.co_filename, file_lines, LiveEnv(fn), live=fn)


def find_static(env: StaticEnv, name: str) -> SourceFunction:
    if name not in env.functions:
        raise UsageError(f"{env.filename} has no top-level function named {name!r}"
                         + did_you_mean(name, list(env.functions)))
    return SourceFunction(env.functions[name], env.filename, env.lines, env)


def did_you_mean(name: str, names: list) -> str:
    """``; did you mean 'loss'? (functions: loss, model)`` for a mistyped name."""
    if not names:
        return " (it defines no functions)"
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{hint} (functions: {', '.join(names)})"
