"""Fitting a damped oscillator's parameters to observations: an RK4
integrator fills a trajectory buffer row by row (``traj[i + 1] = ...``),
and the loss is the squared distance to the observed trajectory.

Run it:                python examples/rk4_trajectory.py
See the derivative:    adc compile examples/rk4_trajectory.py -f loss --shapes theta=2,obs=41x2
"""
import numpy as np

from adcompiler import value_and_grad


def rhs(s, theta):
    """x'' = -k x - c x' as a first-order system (s = [x, v], theta = [k, c])."""
    return np.array([s[1], -theta[0] * s[0] - theta[1] * s[1]])


def loss(theta, obs, dt=0.1):
    """Squared distance between the RK4 trajectory from (1, 0) and ``obs``."""
    n = obs.shape[0] - 1
    traj = np.zeros((n + 1, 2))
    traj[0, 0] = 1.0
    for i in range(n):
        s = traj[i]
        k1 = rhs(s, theta)
        k2 = rhs(s + 0.5 * dt * k1, theta)
        k3 = rhs(s + 0.5 * dt * k2, theta)
        k4 = rhs(s + dt * k3, theta)
        traj[i + 1] = s + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    r = traj - obs
    return np.sum(r * r)


def observations(theta=(2.0, 0.3), n=40, dt=0.1, noise=0.0, seed=0):
    """A trajectory of the oscillator with ``theta`` (plus noise)."""
    theta = np.asarray(theta, dtype=float)
    s = np.array([1.0, 0.0])
    out = [s]
    for _ in range(n):
        k1 = rhs(s, theta)
        k2 = rhs(s + 0.5 * dt * k1, theta)
        k3 = rhs(s + 0.5 * dt * k2, theta)
        k4 = rhs(s + dt * k3, theta)
        s = s + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        out.append(s)
    rng = np.random.default_rng(seed)
    return np.array(out) + noise * rng.normal(size=(n + 1, 2))


def fit(steps=300, rate=0.01, n=40):
    """Gradient descent on theta from (1, 0.1); returns theta and the losses."""
    obs = observations(n=n, noise=0.01)
    step = value_and_grad(loss)
    theta = np.array([1.0, 0.1])
    losses = []
    for _ in range(steps):
        value, g = step(theta, obs)
        theta = theta - rate * g
        losses.append(value)
    return theta, losses


if __name__ == "__main__":
    theta, losses = fit()
    print(f"theta = {theta.round(3)} (true [2, 0.3]); loss {losses[0]:.3f} -> {losses[-1]:.4f}")
