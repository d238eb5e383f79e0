"""Contracts with exit fees: a structural bond that holds customers, willing or not.

A contract binds a new customer for ``term`` months; leaving early costs ``exit_fee``
(paid to the firm). Berry (1995) counts such ties as structural bonds, the strongest
kind: they remove ``bond`` of the defection hazard while the contract runs and add the
fee to what switching would cost. But customers who stay only because leaving is
expensive are "hostages" (Jones & Sasser 1995): a dissatisfied customer under contract
grows more dissatisfied each month (``hostage_drift``) and leaves, angrier, when it ends.

References:
    Berry, L. L. (1995). Relationship marketing of services. Journal of the Academy of
    Marketing Science 23(4), 236-245.
    Jones, T. O. & Sasser, W. E. (1995). Why satisfied customers defect. Harvard
    Business Review 73(6), 88-99 (loyal hostages).
"""

from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import Field

from sim.section import NonNegative, Section, Share
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Customer, Firm, MonthBooks
    from sim.customer_arrays import CustomerArrays, MonthLedger

#: Satisfaction (1-5) below which a customer under contract feels held hostage.
HOSTAGE_THRESHOLD = 3.5


class ContractSettings(Section):
    """Length, fee and strength of the contract new customers sign."""

    term: Annotated[int, Field(ge=1, le=120)] = 12
    exit_fee: NonNegative = 60.0
    bond: Share = 0.6
    hostage_drift: Annotated[float, Field(ge=0.0, le=1.0)] = 0.05


class Contract(Strategy):
    """Bind customers for their first ``term`` months; charge a fee if they leave early."""

    name = "contract"

    def __init__(self, settings: ContractSettings) -> None:
        self.settings = settings

    def under_contract(self, firm: "Firm", customer: "Customer") -> bool:
        """Whether the customer is still within the contract term with this firm."""
        return customer.supplier is firm and customer.tenure < self.settings.term

    def bond(self, firm: "Firm", customer: "Customer") -> float:
        """The contract holds while it runs."""
        return self.settings.bond if self.under_contract(firm, customer) else 0.0

    def exit_cost(self, firm: "Firm", customer: "Customer") -> float:
        """The exit fee, relative to what the customer spends in a typical purchase."""
        if not self.under_contract(firm, customer):
            return 0.0
        return self.settings.exit_fee / customer.typical_spend

    def satisfaction_drift(self, firm: "Firm", customer: "Customer") -> float:
        """An unhappy customer who cannot leave grows unhappier."""
        if self.under_contract(firm, customer) and customer.satisfaction < HOSTAGE_THRESHOLD:
            return -self.settings.hostage_drift
        return 0.0

    def on_leave(self, firm: "Firm", customer: "Customer", books: "MonthBooks") -> None:
        """Charge the exit fee to a customer who breaks the contract (firm income)."""
        fee = self.settings.exit_fee
        if self.under_contract(firm, customer) and fee > 0:
            books.revenue += fee
            books.base_margin += fee  # a fee has no cost of goods
            firm.model.log_fee(customer, firm, "exit_fee", fee)
            firm.model.log_offer(customer, firm, self.name, "exit_fee", True, -fee)

    # ------------------------------------------------------------------ array twins
    def under_contracts(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``under_contract`` for customers ``who``."""
        return (customers.supplier[who] == firm.index) & (
            customers.tenure[who] < self.settings.term
        )

    def bonds(self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """``bond`` for customers ``who``."""
        return np.where(self.under_contracts(firm, customers, who), self.settings.bond, 0.0)

    def exit_costs(self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """``exit_cost``: the fee over a typical purchase, while the contract runs."""
        bound = self.under_contracts(firm, customers, who)
        # ``typical_spend`` in float64, as the scalar computes it from the same state
        spend = customers.reference_price[who].astype(np.float64) * np.maximum(
            customers.items_rate[who], 1.0
        )
        return np.where(bound, self.settings.exit_fee / spend, 0.0)

    def satisfaction_drifts(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``satisfaction_drift``: hostages below the threshold grow unhappier."""
        hostage = self.under_contracts(firm, customers, who) & (
            customers.satisfaction[who] < HOSTAGE_THRESHOLD
        )
        return np.where(hostage, -self.settings.hostage_drift, 0.0)

    def on_leaves(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray, ledger: "MonthLedger"
    ) -> None:
        """``on_leave``: book and log the exit fee of those who break the contract."""
        fee = self.settings.exit_fee
        if fee <= 0:
            return
        breaking = who[self.under_contracts(firm, customers, who)]
        if len(breaking):
            ledger.book("revenue", firm.index, breaking, fee)
            ledger.book("base_margin", firm.index, breaking, fee)  # a fee has no cost of goods
            firm.model.log_fees(breaking, firm, "exit_fee", np.full(len(breaking), fee))
            firm.model.log_offers(breaking, firm, self.name, "exit_fee", True, -fee)
