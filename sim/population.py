"""Synthetic customers: needs-based segments, traits and a seeded social network.

Everything here is drawn from the generator handed in (the model's ``rng``), so the same
scenario and seed give the same people and the same friendships in any process.
"""

from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy import sparse

from sim.scenario import ELASTICITY_CLASSES, Scenario

AGE_BANDS: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_BAND_SHARES: tuple[float, ...] = (0.12, 0.20, 0.20, 0.18, 0.16, 0.14)


@dataclass(frozen=True)
class Traits:
    """Customer traits, one array entry per customer (fixed for the whole run)."""

    segment: np.ndarray  # index into segment_names
    segment_names: tuple[str, ...]
    value_weights: np.ndarray  # (n, 4): product, service, personnel, image
    price_weight: np.ndarray
    time_weight: np.ndarray
    learning_rate: np.ndarray
    elasticity: np.ndarray  # index into ELASTICITY_CLASSES
    budget: np.ndarray  # monthly category budget
    need_rate: np.ndarray  # monthly chance of a purchase occasion
    items_rate: np.ndarray  # expected items per purchase occasion
    product_weights: np.ndarray  # (n, products): preference over the catalog
    referral_propensity: np.ndarray
    region: np.ndarray
    age_band: np.ndarray  # index into AGE_BANDS
    churn_probability: np.ndarray  # fixed monthly churn (defection model "fixed")

    def __len__(self) -> int:
        return len(self.segment)


def reference_item_price(scenario: Scenario) -> float:
    """Price of an average item across firms and the catalog (weighted by popularity)."""
    popularity = np.array([p.popularity for p in scenario.products])
    factor = float(
        np.dot(popularity, [p.price_factor for p in scenario.products]) / popularity.sum()
    )
    return float(np.mean([f.price for f in scenario.firms])) * factor


def _beta_around(rng: np.random.Generator, mean: float, concentration: float, n: int) -> np.ndarray:
    """Heterogeneous probabilities with a given mean (constant at the ends 0 and 1)."""
    if mean <= 0.0 or mean >= 1.0:
        return np.full(n, mean)
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, size=n)


def generate_traits(scenario: Scenario, rng: np.random.Generator) -> Traits:
    """Draw every customer's traits from the scenario's population settings."""
    pop = scenario.population
    n = scenario.market.customers
    names = tuple(pop.segments)
    segments = [pop.segments[s] for s in names]
    segment = rng.choice(len(names), size=n, p=[s.share for s in segments])
    weights = np.array(
        [
            [
                s.value_weights.product,
                s.value_weights.service,
                s.value_weights.personnel,
                s.value_weights.image,
            ]
            for s in segments
        ]
    )
    el = pop.elasticity
    elasticity = rng.choice(3, size=n, p=[el.zero, el.low, el.high])
    multiplier = np.array([el.zero_multiplier, el.low_multiplier, el.high_multiplier])
    budget = pop.budget_median * np.exp(pop.budget_sigma * rng.standard_normal(n))
    popularity = np.array([p.popularity for p in scenario.products])
    return Traits(
        segment=segment,
        segment_names=names,
        value_weights=weights[segment],
        price_weight=np.array([s.price_weight for s in segments])[segment] * multiplier[elasticity],
        time_weight=np.array([s.time_weight for s in segments])[segment],
        learning_rate=np.array([s.learning_rate for s in segments])[segment],
        elasticity=elasticity,
        budget=budget,
        need_rate=_beta_around(rng, pop.need_rate, pop.need_rate_concentration, n),
        items_rate=pop.products_per_budget * budget / reference_item_price(scenario),
        product_weights=rng.dirichlet(4.0 * popularity / popularity.sum(), size=n)
        if len(popularity) > 1
        else np.ones((n, 1)),
        referral_propensity=_beta_around(rng, pop.referral_propensity, 2.0, n),
        region=rng.integers(pop.regions, size=n),
        age_band=rng.choice(len(AGE_BANDS), size=n, p=AGE_BAND_SHARES),
        churn_probability=rng.beta(
            scenario.defection.beta_alpha, scenario.defection.beta_beta, size=n
        ),
    )


def build_network(scenario: Scenario, rng: np.random.Generator) -> nx.Graph | None:
    """The social graph over customers 0..n-1, or None for complete mixing / no network.

    Small world (Watts & Strogatz 1998) by default: friends of friends are friends, with a
    few long ties that let word of mouth travel far. The graph's seed comes from ``rng``.
    """
    settings = scenario.network
    n = scenario.market.customers
    if settings.kind in ("complete", "none"):
        return None
    seed = int(rng.integers(2**31 - 1))
    degree = min(settings.mean_degree, n - 1)
    if degree < 2:
        return nx.empty_graph(n)
    if settings.kind == "small_world":
        return nx.watts_strogatz_graph(n, degree - degree % 2, settings.rewiring, seed=seed)
    if settings.kind == "scale_free":
        return nx.barabasi_albert_graph(n, max(1, degree // 2), seed=seed)
    return nx.fast_gnp_random_graph(n, degree / (n - 1), seed=seed)


def customers_table(traits: Traits) -> dict[str, np.ndarray | list]:
    """Traits as columns of the CRM database's ``customers`` table."""
    return {
        "customer_id": np.arange(len(traits)),
        "segment": [traits.segment_names[i] for i in traits.segment],
        "elasticity": [ELASTICITY_CLASSES[i] for i in traits.elasticity],
        "budget": traits.budget,
        "need_rate": traits.need_rate,
        "region": traits.region,
        "age_band": [AGE_BANDS[i] for i in traits.age_band],
        "referral_propensity": traits.referral_propensity,
    }


def build_contacts(scenario: Scenario, rng: np.random.Generator) -> sparse.csr_array | None:
    """The social graph as a sparse adjacency matrix (the vectorized engine's network).

    The same graph models as ``build_network``, drawn with NumPy so a million customers
    need seconds and tens of megabytes rather than a networkx graph of gigabytes: small
    world by ring lattice and rewiring (Watts & Strogatz 1998), random by G(n, p) (Erdős
    & Rényi); scale free still goes through networkx (preferential attachment is
    sequential). The seed is drawn from ``rng`` exactly as ``build_network`` draws it, so
    everything after the network gets the same numbers in both engines.
    """
    settings = scenario.network
    n = scenario.market.customers
    if settings.kind in ("complete", "none"):
        return None
    graph_rng = np.random.default_rng(int(rng.integers(2**31 - 1)))
    degree = min(settings.mean_degree, n - 1)
    if degree < 2:
        return _adjacency(n, np.empty(0, np.int64), np.empty(0, np.int64))
    if settings.kind == "small_world":
        u, v = _small_world_edges(n, degree - degree % 2, settings.rewiring, graph_rng)
    elif settings.kind == "random":
        u, v = _random_edges(n, degree / (n - 1), graph_rng)
    else:
        graph = nx.barabasi_albert_graph(
            n, max(1, degree // 2), seed=int(graph_rng.integers(2**31 - 1))
        )
        edges = np.array(graph.edges(), dtype=np.int64).reshape(-1, 2)
        u, v = edges[:, 0], edges[:, 1]
    return _adjacency(n, u, v)


def _adjacency(n: int, u: np.ndarray, v: np.ndarray) -> sparse.csr_array:
    """Symmetric 0/1 adjacency of the undirected edges (u, v), int32 indices."""
    rows = np.concatenate([u, v]).astype(np.int32)
    cols = np.concatenate([v, u]).astype(np.int32)
    data = np.ones(len(rows), dtype=np.float32)
    return sparse.csr_array((data, (rows, cols)), shape=(n, n))


def _small_world_edges(
    n: int, k: int, rewiring: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Watts-Strogatz ties: a ring lattice of k neighbours, each tie rewired at random.

    A rewired tie goes to a uniformly drawn node; one that lands on its own node or
    doubles an existing tie is drawn again, as networkx does.
    """
    if k >= n - 1:
        u, v = np.triu_indices(n, 1)
        return u.astype(np.int64), v.astype(np.int64)
    u = np.repeat(np.arange(n, dtype=np.int64), k // 2)
    v = (u + np.tile(np.arange(1, k // 2 + 1), n)) % n
    rewired = rng.random(len(u)) < rewiring
    redraw = rewired.copy()
    while redraw.any():
        v[redraw] = rng.integers(n, size=int(redraw.sum()))
        redraw = (u == v) | _surplus_copies(n, u, v, rewired)
    return u, v


def _random_edges(n: int, p: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """G(n, p): a binomial number of distinct pairs, drawn uniformly."""
    pairs = n * (n - 1) // 2
    m = int(rng.binomial(pairs, p))
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < m:
        a = rng.integers(n, size=m - len(keys))
        b = rng.integers(n, size=m - len(keys))
        fresh = a != b
        low, high = np.minimum(a, b)[fresh], np.maximum(a, b)[fresh]
        keys = np.unique(np.concatenate([keys, low * n + high]))
    keys = rng.permutation(keys)[:m]
    return keys // n, keys % n


def _surplus_copies(n: int, u: np.ndarray, v: np.ndarray, rewired: np.ndarray) -> np.ndarray:
    """Every copy of a tie but one (an original lattice tie is the one kept)."""
    keys = np.minimum(u, v) * n + np.maximum(u, v)
    order = np.lexsort((rewired, keys))
    ordered = keys[order]
    surplus = np.zeros(len(keys), dtype=bool)
    surplus[order[1:]] = ordered[1:] == ordered[:-1]
    return surplus
