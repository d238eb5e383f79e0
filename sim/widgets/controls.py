"""The focal firm's strategy as widgets, turned into scenario overrides.

One ``StrategyControls`` is one column of sliders and toggles. The dashboard has two:
strategy A (the single run, and the reference of an A/B comparison) and strategy B.
The controls only read a Scenario and write dotted-path overrides for
``Scenario.with_overrides``; what a setting does is the strategy's business
(``sim/strategies/``).
"""

from typing import Any

import ipywidgets as widgets

from sim.i18n import label
from sim.scenario import Scenario
from sim.strategies.loyalty_programme import LoyaltyProgrammeSettings

#: The focal firm is the first firm of a scenario.
FOCAL = "firms.0"

#: Room for the longest description (English) so sliders line up.
STYLE = {"description_width": "13em"}
WIDE = widgets.Layout(width="30em")


class StrategyControls:
    """Price, loyalty programme, service recovery and early-warning budget of the focal firm.

    Args:
        scenario: the scenario whose focal firm sets the starting values.
        name: a CSS class prefix (``crm-a``, ``crm-b``) that lets a browser test find
            each control.
    """

    def __init__(self, scenario: Scenario, name: str) -> None:
        self.price = widgets.FloatSlider(min=5.0, max=40.0, step=0.5, style=STYLE, layout=WIDE)
        self.loyalty = widgets.Checkbox(style=STYLE, layout=WIDE)
        self.loyalty_bond = widgets.FloatSlider(
            min=0.0, max=0.8, step=0.05, style=STYLE, layout=WIDE
        )
        self.recovery = widgets.FloatSlider(min=0.0, max=1.0, step=0.05, style=STYLE, layout=WIDE)
        self.early_warning = widgets.FloatSlider(
            min=0.0, max=5000.0, step=100.0, readout_format=".0f", style=STYLE, layout=WIDE
        )
        controls = {
            "price": self.price,
            "loyalty": self.loyalty,
            "loyalty-bond": self.loyalty_bond,
            "recovery": self.recovery,
            "early-warning": self.early_warning,
        }
        for key, control in controls.items():
            control.add_class(f"{name}-{key}")
        self.loyalty.observe(self._enable_bond, names="value")
        self.box = widgets.VBox(list(controls.values()))
        self.set_from(scenario)

    def set_from(self, scenario: Scenario) -> None:
        """Show the focal firm's settings of ``scenario`` (a preset just chosen)."""
        firm = scenario.firms[0]
        strategies = firm.strategies
        self.price.max = max(self.price.max, 2.0 * firm.price)
        self.price.value = firm.price
        programme = strategies.loyalty_programme
        self.loyalty.value = programme is not None
        self.loyalty_bond.value = (programme or LoyaltyProgrammeSettings()).bond
        recovery = strategies.service_recovery
        self.recovery.value = recovery.quality if recovery else firm.recovery_quality
        warning = strategies.early_warning
        budget = warning.budget if warning else 0.0
        self.early_warning.max = max(self.early_warning.max, budget)
        self.early_warning.value = budget
        self._enable_bond()

    def overrides(self, scenario: Scenario) -> dict[str, Any]:
        """Dotted-path overrides that give ``scenario``'s focal firm these settings.

        A strategy switched on keeps the scenario's other settings for it (a preset's
        enrolment rate, say) and changes only what the control shows; an early-warning
        budget of 0 switches that strategy off.
        """
        strategies = scenario.firms[0].strategies
        path = f"{FOCAL}.strategies"
        overrides: dict[str, Any] = {
            f"{FOCAL}.price": self.price.value,
            f"{FOCAL}.recovery_quality": self.recovery.value,
        }
        if strategies.service_recovery is not None:
            overrides[f"{path}.service_recovery"] = {
                **strategies.service_recovery.model_dump(),
                "quality": self.recovery.value,
            }
        programme = strategies.loyalty_programme
        overrides[f"{path}.loyalty_programme"] = (
            {**(programme.model_dump() if programme else {}), "bond": self.loyalty_bond.value}
            if self.loyalty.value
            else None
        )
        warning = strategies.early_warning
        overrides[f"{path}.early_warning"] = (
            {**(warning.model_dump() if warning else {}), "budget": self.early_warning.value}
            if self.early_warning.value > 0
            else None
        )
        return overrides

    def relabel(self, language: str) -> None:
        """Describe every control in ``language``."""
        self.price.description = label("ui.price", language)
        self.loyalty.description = label("ui.loyalty", language)
        self.loyalty_bond.description = label("ui.loyalty_bond", language)
        self.recovery.description = label("ui.recovery", language)
        self.early_warning.description = label("ui.early_warning", language)

    def _enable_bond(self, change: dict | None = None) -> None:
        self.loyalty_bond.disabled = not self.loyalty.value
