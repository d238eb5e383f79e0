"""Customer lifetime value: probability models of customer behaviour and CLV formulas.

* Contractual settings (churn is observed): :class:`ShiftedBetaGeometric`.
* Non-contractual settings (churn is unobserved): :class:`BetaGeoNBD` and :class:`ParetoNBD`
  for purchase counts, :class:`GammaGamma` for spend per purchase and CLV.
* Back-of-the-envelope CLV: :func:`retention_clv` and :func:`npv_worksheet`.

Each model has a ``simulate_*`` function that generates data from known parameters, for
teaching and for checking that the estimates recover them.
"""

from sim.analytics.clv.beta_geo_nbd import BetaGeoNBD, simulate_bg_nbd
from sim.analytics.clv.formulas import npv_worksheet, retention_clv
from sim.analytics.clv.gamma_gamma import GammaGamma, simulate_gamma_gamma
from sim.analytics.clv.pareto_nbd import ParetoNBD, simulate_pareto_nbd
from sim.analytics.clv.shifted_beta_geometric import ShiftedBetaGeometric, simulate_survivors

__all__ = [
    "BetaGeoNBD",
    "GammaGamma",
    "ParetoNBD",
    "ShiftedBetaGeometric",
    "npv_worksheet",
    "retention_clv",
    "simulate_bg_nbd",
    "simulate_gamma_gamma",
    "simulate_pareto_nbd",
    "simulate_survivors",
]
