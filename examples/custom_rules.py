"""Custom derivative rules and stop_gradient: the examples of
docs/custom_rules.md (tests/test_custom_rules.py checks each one).

    adc compile examples/custom_rules.py -f stable_loss
    adc compile examples/custom_rules.py -f area_loss --mode forward
    adc compile examples/custom_rules.py -f root_loss --wrt a,b
"""
import math

from scipy import special
from scipy.integrate import quad

from adcompiler import custom_jvp, custom_vjp, stop_gradient


# ---- a numerically stable log(1 + e^x): the naive derivative overflows
@custom_jvp
def log1pexp(x):
    return math.log(1.0 + math.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    x, = primals
    t, = tangents
    if x > 0.0:
        out = x + math.log1p(math.exp(-x))
        slope = 1.0 / (1.0 + math.exp(-x))
    else:
        out = math.log1p(math.exp(x))
        slope = math.exp(x) / (1.0 + math.exp(x))
    return out, slope * t


# the same function with a vjp rule; the residuals are a tuple
@custom_vjp
def softplus(x):
    return math.log(1.0 + math.exp(x))


def softplus_fwd(x):
    e = math.exp(-abs(x))
    return max(x, 0.0) + math.log1p(e), (e, x)


def softplus_bwd(res, g):
    e, x = res
    if x >= 0.0:
        slope = 1.0 / (1.0 + e)
    else:
        slope = e / (1.0 + e)
    return (g * slope,)


softplus.defvjp(softplus_fwd, softplus_bwd)


def naive_log1pexp(x):
    return math.log(1.0 + math.exp(x))


def stable_loss(x):
    return 2.0 * log1pexp(x) + softplus(x)


# ---- gradient clipping in the backward pass: the value is x, the adjoint
# that flows back through it is clipped to [lo, hi]
@custom_vjp
def clip_gradient(x, lo, hi):
    return x


def clip_gradient_fwd(x, lo, hi):
    return x, (lo, hi)


def clip_gradient_bwd(res, g):
    lo, hi = res
    return (min(max(g, lo), hi), 0.0, 0.0)


clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)


def clipped_loss(w):
    return 10.0 * clip_gradient(w * w, -1.0, 1.0)


# ---- an opaque routine (scipy.integrate.quad) with a user-given derivative
def bell(t):
    return math.exp(-t * t)


@custom_vjp
def bell_area(x):
    value, _error = quad(bell, 0.0, x)
    return value


def bell_area_fwd(x):
    return bell_area(x), x


def bell_area_bwd(x, g):
    return (g * bell(x),)  # d/dx of the integral from 0 to x: the integrand at x


bell_area.defvjp(bell_area_fwd, bell_area_bwd)


def area_loss(x):
    return bell_area(x * x) + 0.5 * x


# a SciPy function with no record in the registry: Dawson's integral F,
# whose derivative 1 - 2 x F(x) needs F(x), kept as a residual
@custom_vjp
def dawson(x):
    return special.dawsn(x)


def dawson_fwd(x):
    y = dawson(x)
    return y, (x, y)


def dawson_bwd(res, g):
    x, y = res
    return (g * (1.0 - 2.0 * x * y),)


dawson.defvjp(dawson_fwd, dawson_bwd)


def dawson_loss(x):
    return dawson(x) * dawson(x) + x


# ---- an implicit function: the root x of x**3 + a*x - b = 0, found by a
# Newton while loop; the adjoint solves one linear equation
@custom_vjp
def cubic_root(a, b):
    x = 1.0
    step = 1.0
    while abs(step) > 1e-15:
        step = (x * x * x + a * x - b) / (3.0 * x * x + a)
        x = x - step
    return x


def cubic_root_fwd(a, b):
    x = cubic_root(a, b)
    return x, (x, a)


def cubic_root_bwd(res, g):
    x, a = res
    lam = g / (3.0 * x * x + a)  # (dF/dx) lam = g
    return (-lam * x, lam)  # -lam dF/da, -lam dF/db


cubic_root.defvjp(cubic_root_fwd, cubic_root_bwd)


def root_loss(a, b):
    x = cubic_root(a, b)
    return x * x + a


# ---- stop_gradient
def stopped(x, y):
    c = stop_gradient(x * y)
    return c * x + math.sin(stop_gradient(y)) * y
