"""The agents: customers who move through the relationship lifecycle, and firms.

A customer's ``step`` is one month of their life, phase by phase, in the order of the
course's chapters: hear about firms, feel a need, weigh the offers, buy (or not), judge
the experience, talk to friends, grow or lose trust, and perhaps leave. Every decision
is a rule from ``sim.rules``; every consequence is booked by the market.
"""

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent

from sim.economics import basket_growth, cost_to_serve, price_premium, profit_by_source
from sim.rules.choice import choice_probabilities
from sim.rules.diffusion import adoption_probability
from sim.rules.fairness import price_unfairness
from sim.rules.offers import offer_acceptance
from sim.rules.ops import clip
from sim.rules.relationship import Stage, next_stage, updated_strength
from sim.rules.satisfaction import (
    adapted_expectation,
    cumulative_satisfaction,
    purchase_satisfaction,
)
from sim.rules.service import (
    CORE_FAILURE_SHARE,
    failure_probability,
    performance_after_failure,
)
from sim.rules.switching import (
    KEAVENEY_SHARES,
    REASONS,
    ChurnReason,
    competition_grievance,
    faded,
    inconvenience_grievance,
    pricing_grievance,
)
from sim.rules.value import perceived_value, total_customer_cost, total_customer_value
from sim.rules.word_of_mouth import image_after_warnings, referral_probability, warning_probability
from sim.scenario import FirmSettings
from sim.strategies import Strategy, StrategySettings
from sim.strategies import build as build_strategies
from sim.strategies.cross_sell import CrossSell
from sim.strategies.segmentation import Segmentation

if TYPE_CHECKING:
    from sim.customer_arrays import CustomerArrays, MonthLedger
    from sim.model import Market

#: Position of each reason in a customer's grievance list.
REASON_INDEX = {reason: i for i, reason in enumerate(REASONS)}
#: Keaveney's shares as the baseline of every customer's grievances.
BASELINE_GRIEVANCE = tuple(0.3 * KEAVENEY_SHARES[r] for r in REASONS)
#: Weight of a service failure that was put right (it still happened).
RECOVERED_INCIDENT = 0.3
#: Share of the gap to the price paid that the reference price closes each purchase.
REFERENCE_PRICE_ADAPTATION = 0.2
#: Scale of the inconvenience grievance added at each purchase.
INCONVENIENCE_SCALE = 0.25


class BuyClass:
    """Robinson, Faris & Wind's (1967) buying situations, as the transactions log them."""

    NEW_TASK = "new_task"  # a first purchase in the category
    MODIFIED_REBUY = "modified_rebuy"  # a buyer who weighs suppliers again
    STRAIGHT_REBUY = "straight_rebuy"  # a routine reorder from the supplier


class Firm(mesa.Agent):
    """A supplier in the market: its offer and the strategies it applies."""

    def __init__(self, market: "Market", settings: FirmSettings, index: int) -> None:
        super().__init__(market)
        self.index = index
        self.name = settings.name
        self.is_focal = index == 0
        self.price = settings.price
        self.unit_cost = settings.unit_cost
        self.product = settings.product
        self.service = settings.service
        self.personnel = settings.personnel
        self.image = settings.image
        self.convenience = settings.convenience
        self.advertising = settings.advertising
        self.advertising_spend = settings.advertising_spend
        self.service_failure_rate = settings.service_failure_rate
        self.recovery_quality = settings.recovery_quality
        self.settings = settings
        self.strategies: list[Strategy] = build_strategies(settings.strategies)
        self.campaign_spend = 0.0  # this month's firm-level retention campaigns
        for strategy in self.strategies:
            strategy.seed(market.seed, self.name)
            strategy.start(self)

    def adopt_strategies(self, settings: StrategySettings) -> None:
        """Switch to another set of strategies mid-run (a team's decisions for a round).

        A strategy whose settings are unchanged keeps its state (members, assigned
        managers, learned customers); a changed or new one starts afresh with a stream
        of its own; a dropped one ends. Standing policies are set up again from the
        firm's own settings, so dropping service recovery restores the firm's desk.
        """
        current = {strategy.name: strategy for strategy in self.strategies}
        adopted = []
        for strategy in build_strategies(settings):
            kept = current.get(strategy.name)
            if kept is not None and kept.settings == strategy.settings:
                strategy = kept
            else:
                strategy.seed(self.model.seed, self.name, self.model.month)
                self.model.prepare_strategy(self, strategy)
            adopted.append(strategy)
        self.strategies = adopted
        self.recovery_quality = self.settings.recovery_quality
        for strategy in self.strategies:
            strategy.start(self)

    def step(self) -> None:
        """The firm's monthly moves: each strategy acts (reprices, campaigns...)."""
        for strategy in self.strategies:
            strategy.act(self, self.model)

    def segment_of(self, customer: "Customer") -> str:
        """The customer's segment under the firm's segmentation ("" without one)."""
        for strategy in self.strategies:
            if isinstance(strategy, Segmentation):
                return strategy.segment_of(customer)
        return ""

    def tier_of(self, customer: "Customer") -> str:
        """The customer's pyramid tier under the firm's segmentation ("" without one)."""
        for strategy in self.strategies:
            if isinstance(strategy, Segmentation):
                return strategy.tier_of(customer)
        return ""

    def tier_codes_for(self, who: np.ndarray) -> np.ndarray:
        """``tier_of`` for customers ``who``: int8 codes into ``TIER_CODES`` (0 = "")."""
        for strategy in self.strategies:
            if isinstance(strategy, Segmentation):
                return strategy.tier_codes_of(who)
        return np.zeros(len(who), dtype=np.int8)

    def segment_labels_for(self, who: np.ndarray) -> np.ndarray:
        """``segment_of`` for customers ``who``: their labels ("" without a segmentation)."""
        for strategy in self.strategies:
            if isinstance(strategy, Segmentation):
                return strategy.labels_of(strategy.segment_codes_of(who))
        return np.full(len(who), "", dtype=object)

    def in_segments_for(self, who: np.ndarray, segments: Collection[str]) -> np.ndarray:
        """Whether each of customers ``who`` has one of the ``segments`` labels."""
        for strategy in self.strategies:
            if isinstance(strategy, Segmentation):
                return strategy.label_mask(segments)[strategy.segment_codes_of(who)]
        return np.full(len(who), "" in segments, dtype=bool)

    def price_for(self, customer: "Customer") -> float:
        """The price per item this customer pays (list price, adjusted by strategies)."""
        price = self.price
        for strategy in self.strategies:
            price *= strategy.price_factor(self, customer)
        return price

    def bond_for(self, customer: "Customer") -> float:
        """Share of the customer's defection hazard the firm's bonds remove.

        Bonds combine like independent protections: each removes its share of what the
        others leave (Berry 1995's financial, social, customization, structural bonds).
        """
        remaining = 1.0
        for strategy in self.strategies:
            remaining *= 1.0 - strategy.bond(self, customer)
        return 1.0 - remaining

    def value_lift_for(self, customer: "Customer") -> float:
        """Extra value the firm's strategies give this customer (a tailored offer)."""
        lift = 0.0
        for strategy in self.strategies:
            lift += strategy.value_lift(self, customer)
        return lift

    def exit_cost_for(self, customer: "Customer") -> float:
        """Extra cost, as the customer sees it, of leaving this firm (fees, contracts)."""
        cost = 0.0
        for strategy in self.strategies:
            cost += strategy.exit_cost(self, customer)
        return cost

    def satisfaction_drift_for(self, customer: "Customer") -> float:
        """This month's change in the customer's satisfaction caused by the strategies."""
        drift = 0.0
        for strategy in self.strategies:
            drift += strategy.satisfaction_drift(self, customer)
        return drift

    def customer_leaves(self, customer: "Customer", books: "MonthBooks") -> None:
        """Let each strategy react to a customer ending the relationship."""
        for strategy in self.strategies:
            strategy.on_leave(self, customer, books)

    def referral_boost_for(self, customer: "Customer") -> float:
        """How much more likely the firm's strategies make this customer to refer."""
        boost = 1.0
        for strategy in self.strategies:
            boost *= strategy.referral_boost(self, customer)
        return boost

    def referral_converted(self, customer: "Customer", books: "MonthBooks") -> None:
        """A referred friend became a customer: let the strategies react."""
        for strategy in self.strategies:
            strategy.on_referral(self, customer, books)

    def complaint_received(self, customer: "Customer", books: "MonthBooks") -> None:
        """A customer complained: let the strategies handle it."""
        for strategy in self.strategies:
            strategy.on_complaint(self, customer, books)

    def monthly_fee_for(self, customer: "Customer") -> float:
        """Fees the customer pays this firm each month, purchase or not."""
        fee = 0.0
        for strategy in self.strategies:
            fee += strategy.monthly_fee(self, customer)
        return fee

    def retention_cost_for(self, customer: "Customer") -> float:
        """Monthly retention spend on a customer the firm serves."""
        cost = 0.0
        for strategy in self.strategies:
            cost += strategy.monthly_cost(self, customer)
        return cost

    def after_purchase(self, customer: "Customer", amount: float, books: "MonthBooks") -> None:
        """Let each strategy react to a purchase (enrolment, points...)."""
        for strategy in self.strategies:
            strategy.after_purchase(self, customer, amount, books)

    # ------------------------------------------------------------------ array twins
    # The same questions for many customers at once (the vectorized engine): ``who`` is
    # an array of distinct customer ids, ``customers`` the market's CustomerArrays.
    def price_factors_for(self, customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """Price multipliers for customers ``who`` (1 = list price)."""
        factor = np.ones(len(who))
        for strategy in self.strategies:
            factor *= strategy.price_factors(self, customers, who)
        return factor

    def bonds_for(self, customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """Shares of the defection hazard the firm's bonds remove (see ``bond_for``)."""
        remaining = np.ones(len(who))
        for strategy in self.strategies:
            remaining *= 1.0 - np.asarray(strategy.bonds(self, customers, who))
        return 1.0 - remaining

    def value_lifts_for(self, customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """Extra value of the firm's offer for customers ``who``."""
        return self._summed("value_lifts", customers, who)

    def exit_costs_for(self, customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """Extra cost of leaving this firm for customers ``who``."""
        return self._summed("exit_costs", customers, who)

    def satisfaction_drifts_for(self, customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """This month's change in satisfaction caused by the strategies."""
        return self._summed("satisfaction_drifts", customers, who)

    def referral_boosts_for(self, customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """Multipliers on the chance that customers ``who`` refer a friend."""
        boost = np.ones(len(who))
        for strategy in self.strategies:
            boost *= strategy.referral_boosts(self, customers, who)
        return boost

    def monthly_fees_for(self, customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """Fees customers ``who`` pay this firm this month."""
        return self._summed("monthly_fees", customers, who)

    def retention_costs_for(self, customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """Monthly retention spend on customers ``who``."""
        return self._summed("monthly_costs", customers, who)

    def _summed(self, hook: str, customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        total = np.zeros(len(who))
        for strategy in self.strategies:
            total += getattr(strategy, hook)(self, customers, who)
        return total

    def purchases_made(
        self,
        customers: "CustomerArrays",
        who: np.ndarray,
        amounts: np.ndarray,
        ledger: "MonthLedger",
    ) -> None:
        """Let each strategy react to purchases (see ``after_purchase``)."""
        for strategy in self.strategies:
            strategy.after_purchases(self, customers, who, amounts, ledger)

    def customers_leave(
        self, customers: "CustomerArrays", who: np.ndarray, ledger: "MonthLedger"
    ) -> None:
        """Let each strategy react to customers ``who`` ending the relationship."""
        for strategy in self.strategies:
            strategy.on_leaves(self, customers, who, ledger)

    def referrals_converted(
        self, customers: "CustomerArrays", who: np.ndarray, ledger: "MonthLedger"
    ) -> None:
        """Referred friends ``who`` became customers: let the strategies react."""
        for strategy in self.strategies:
            strategy.on_referrals(self, customers, who, ledger)

    def complaints_received(
        self, customers: "CustomerArrays", who: np.ndarray, ledger: "MonthLedger"
    ) -> None:
        """Customers ``who`` complained: let the strategies handle it."""
        for strategy in self.strategies:
            strategy.on_complaints(self, customers, who, ledger)

    def __repr__(self) -> str:
        return f"Firm({self.name!r})"


@dataclass(slots=True)
class MonthBooks:
    """What one customer brought one firm in one month, before costs are settled."""

    tenure: int
    served: bool
    revenue: float = 0.0
    cogs: float = 0.0
    base_margin: float = 0.0
    extra_margin: float = 0.0
    premium_revenue: float = 0.0
    acquisition_cost: float = 0.0
    retention_cost: float = 0.0


class Customer(FixedAgent):
    """A customer: hears of firms, buys when a need arises, judges, talks, stays or leaves."""

    def __init__(self, market: "Market", customer_id: int, traits, i: int) -> None:
        super().__init__(market)
        behaviour = market.settings.behaviour
        n_firms = len(market.settings.firms)
        # Traits: who this customer is (fixed).
        self.customer_id = customer_id
        self.segment = traits.segment_names[traits.segment[i]]
        self.value_weights = tuple(float(w) for w in traits.value_weights[i])
        self.price_weight = float(traits.price_weight[i])
        self.time_weight = float(traits.time_weight[i])
        self.learning_rate = float(traits.learning_rate[i])
        self.need_rate = float(traits.need_rate[i])
        self.items_rate = float(traits.items_rate[i])
        self.referral_propensity = float(traits.referral_propensity[i])
        self.churn_probability = float(traits.churn_probability[i])
        self.product_cum_weights = [float(w) for w in traits.product_weights[i].cumsum()]
        self.contacts: tuple[Customer, ...] = ()
        # State: where the relationship stands (changes every month).
        self.stage = Stage.PROSPECT
        self.supplier: Firm | None = None
        self.former_supplier: Firm | None = None
        self.lapsed_from: Firm | None = None
        self.aware = [False] * n_firms
        self.satisfaction = 3.0
        self.expectation = behaviour.initial_expectation
        self.strength = 0.5
        self.tenure = 0
        self.purchases = 0
        self.months_since_purchase = 0
        self.reference_price = market.reference_price
        self.warnings = [0.0] * n_firms
        self.warnings_month = 0
        self.grievances = [0.0] * len(REASONS)
        self.grievances_month = 0
        self.referrers: dict[int, Customer] = {}
        self.referral_credit = [0.0] * n_firms
        self.sales_calls: list[tuple[Firm, CrossSell]] = []
        self.margin_total = 0.0
        self.months_served = 0
        self.lifetime_purchases = 0
        self.lifetime_spend = 0.0
        self._books: dict[Firm, MonthBooks] = {}

    def __repr__(self) -> str:
        supplier = self.supplier.name if self.supplier else None
        return f"Customer({self.customer_id}, {self.stage.label}, supplier={supplier})"

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month in this customer's life, phase by phase (DESIGN §3, phases 1-9)."""
        self.open_books()
        self.hear_about_firms()  # 1. awareness: advertising and word of mouth (Bass)
        if self.stage is Stage.CHURNED:
            self.reconsider_former_supplier()  # win-back
        if self.sales_calls:
            self.answer_sales_calls()  # 2. a trigger: a firm calls with an offer
        if self.feels_need():  # 2. need recognition
            options, buy_class = self.consideration_set()  # 3. information search
            firm = self.choose(options)  # 4-5. evaluation and choice
            if firm is not None:
                self.buy_from(firm, buy_class)  # 5-6. basket, spend, post-purchase experience
        if self.supplier is not None:
            self.talk_to_contacts()  # 7. word of mouth and referrals
            self.update_relationship()  # 8. trust and lifecycle stage
            self.consider_leaving()  # 9. defection, with a reason
        self.close_books()  # economics of the month

    # ------------------------------------------------------------------ 1. awareness
    def hear_about_firms(self) -> None:
        """Each unknown firm may reach the customer by advertising or word of mouth."""
        if all(self.aware):
            return
        market = self.model
        imitation = market.settings.behaviour.word_of_mouth
        for firm in market.firms:
            if self.aware[firm.index]:
                continue
            chance = adoption_probability(
                firm.advertising, imitation, market.adopter_share(self, firm)
            )
            draw = self.random.random()
            if draw < chance:
                self.aware[firm.index] = True
                channel = "advertising" if draw < firm.advertising else "word_of_mouth"
                market.log_contact(self, firm, channel)

    def reconsider_former_supplier(self) -> None:
        """A churned customer may let the firm they left back into consideration."""
        market = self.model
        if self.lapsed_from is not None:
            if self.random.random() < market.settings.lifecycle.win_back_rate:
                market.log_contact(self, self.lapsed_from, "win_back")
                self.lapsed_from = None

    # ------------------------------------------------------------------ 2-5. buying
    def feels_need(self) -> bool:
        """A purchase occasion arises at the customer's category need rate."""
        return self.random.random() < self.need_rate

    def consideration_set(self) -> tuple[list[Firm], str]:
        """Firms the customer weighs, and the buying situation that makes it so.

        Consumers weigh every firm they know of, minus the one they left (until won
        back). An organizational buyer who is satisfied enough (``rebuy_threshold``)
        simply reorders from the supplier: a straight rebuy, no rival is considered.
        """
        threshold = self.model.settings.behaviour.rebuy_threshold
        if self.supplier is not None and threshold is not None and self.satisfaction >= threshold:
            return [self.supplier], BuyClass.STRAIGHT_REBUY
        options = [f for f in self.model.firms if self.aware[f.index] and f is not self.lapsed_from]
        return options, self.situation()

    def situation(self) -> str:
        """A prospect's first purchase is a new task; any later one weighs suppliers again."""
        return BuyClass.NEW_TASK if self.stage is Stage.PROSPECT else BuyClass.MODIFIED_REBUY

    def answer_sales_calls(self) -> None:
        """Take or refuse each firm's offer: its perceived value plus the trust built.

        Selling to a customer succeeds far more often than selling to a stranger, who
        has no trust yet and would pay the cost of switching (``sim.rules.offers``).
        """
        market = self.model
        behaviour = market.settings.behaviour
        calls, self.sales_calls = self.sales_calls, []
        for firm, offer in calls:
            existing = firm is self.supplier
            if not self.aware[firm.index]:
                self.aware[firm.index] = True
                market.log_contact(self, firm, "sales_call")
            chance = offer_acceptance(
                self.perceived_value(firm, habit=False),
                self.strength if existing else 0.0,
                behaviour.offer_hurdle,
                behaviour.offer_trust_weight,
                behaviour.choice_scale,
            )
            accepted = self.random.random() < chance
            cost = offer.call_cost(existing)
            books = self.books_for(firm)
            if existing:
                books.retention_cost += cost
            else:
                books.acquisition_cost += cost
            market.log_offer(
                self, firm, offer.name, "existing" if existing else "new", accepted, cost
            )
            if accepted:
                self.buy_offer(firm, offer)

    def perceived_value(self, firm: Firm, habit: bool = True) -> float:
        """Customer perceived value of a firm's offer: value minus cost (with habit).

        ``habit=False`` leaves out the current supplier's habit bonus (inertia): a new
        offer is not a routine repurchase.
        """
        behaviour = self.model.settings.behaviour
        image = image_after_warnings(
            firm.image, self.recent_warnings()[firm.index], behaviour.warning_impact
        )
        value = total_customer_value(
            firm.product, firm.service, firm.personnel, image, self.value_weights
        )
        current = firm is self.supplier
        switching = 0.0
        if self.supplier is not None and not current:
            switching = behaviour.switching_cost
            if self.supplier.strategies:
                switching += self.supplier.exit_cost_for(self)
        price = firm.price_for(self)
        if current and firm.strategies:
            price += firm.monthly_fee_for(self) / max(self.items_rate, 1.0)
            value += firm.value_lift_for(self)
        cost = total_customer_cost(
            price,
            self.reference_price,
            self.price_weight,
            firm.convenience,
            self.time_weight,
            switching,
        )
        return perceived_value(value, cost, behaviour.inertia if current and habit else 0.0)

    def choose(self, options: list[Firm]) -> Firm | None:
        """Pick a firm (or nothing) by multinomial logit over perceived values."""
        if not options:
            return None
        behaviour = self.model.settings.behaviour
        values = [self.perceived_value(firm) for firm in options]
        if self.supplier in options:
            mine = values[options.index(self.supplier)]
            rivals = [v for f, v in zip(options, values, strict=True) if f is not self.supplier]
            if rivals:
                best = max(rivals)  # rivals' values already carry the switching cost
                self.add_grievance(
                    ChurnReason.COMPETITION,
                    competition_grievance(best, mine - behaviour.inertia),
                )
        shares = choice_probabilities(values, behaviour.no_purchase_utility, behaviour.choice_scale)
        draw = self.random.random()
        for firm, share in zip(options, shares, strict=False):
            if draw < share:
                return firm
            draw -= share
        return None

    def buy_from(self, firm: Firm, buy_class: str) -> None:
        """Buy a basket: a starting basket plus what tenure adds (increased purchases)."""
        if firm is not self.supplier:
            self.join(firm)
        market = self.model
        economics = market.settings.economics
        growth = basket_growth(
            self.tenure, economics.basket_growth_per_year, economics.basket_growth_years
        )
        base_items = 1 + _poisson(self.random, max(self.items_rate - 1.0, 0.0))
        extra_items = _poisson(self.random, self.items_rate * growth)
        premium = price_premium(
            self.tenure, economics.price_premium_per_year, economics.price_premium_cap
        )
        picks = self.random.choices(
            market.products, cum_weights=self.product_cum_weights, k=base_items + extra_items
        )
        counts: dict[str, list] = {}
        for k, product in enumerate(picks):
            entry = counts.get(product.name)
            if entry is None:
                entry = counts[product.name] = [product, 0, 0]
            entry[1 if k < base_items else 2] += 1
        for complement, rate in [
            market.complements[name] for name in counts if name in market.complements
        ]:
            if self.random.random() < rate:  # bought together: "beer and diapers"
                entry = counts.get(complement.name)
                if entry is None:
                    entry = counts[complement.name] = [complement, 0, 0]
                entry[1] += 1
        books = self.books_for(firm)
        lines = []
        amount = cost = 0.0
        price = firm.price_for(self)
        for product, base, extra in counts.values():
            list_price = price * product.price_factor
            unit_cost = firm.unit_cost * product.cost_factor
            quantity = base + extra
            unit_price = list_price * (1.0 + premium)
            lines.append((product.name, quantity, unit_price))
            amount += unit_price * quantity
            cost += unit_cost * quantity
            books.base_margin += (list_price - unit_cost) * base
            books.extra_margin += (list_price - unit_cost) * extra
            books.premium_revenue += list_price * premium * quantity
        books.revenue += amount
        books.cogs += cost
        market.log_transaction(self, firm, lines, amount, cost, buy_class)
        self.after_buying(firm, amount, books)
        self.experience(firm, price * (1.0 + premium))

    def buy_offer(self, firm: Firm, offer: CrossSell) -> None:
        """Buy the offered product, once (a stranger first becomes the firm's customer).

        What a customer buys on top of their usual basket is the "increased purchases"
        source of profit (Reichheld & Sasser 1990).
        """
        buy_class = self.situation()
        if firm is not self.supplier:
            self.join(firm)
        product = self.model.product_named(offer.settings.product)
        price = firm.price_for(self) * (1.0 - offer.settings.discount)
        unit_price = price * product.price_factor
        unit_cost = firm.unit_cost * product.cost_factor
        books = self.books_for(firm)
        books.revenue += unit_price
        books.cogs += unit_cost
        books.extra_margin += unit_price - unit_cost
        self.model.log_transaction(
            self, firm, [(product.name, 1, unit_price)], unit_price, unit_cost, buy_class
        )
        self.after_buying(firm, unit_price, books)
        self.experience(firm, price)

    def after_buying(self, firm: Firm, amount: float, books: MonthBooks) -> None:
        """Count the purchase and let the firm's strategies react to it."""
        firm.after_purchase(self, amount, books)
        self.purchases += 1
        self.lifetime_purchases += 1
        self.lifetime_spend += amount
        self.months_since_purchase = 0

    # ------------------------------------------------------------------ 6. post-purchase
    def experience(self, firm: Firm, price_paid: float) -> None:
        """Judge the purchase: performance against expectation (Oliver's disconfirmation)."""
        market = self.model
        behaviour = market.settings.behaviour
        performance = total_customer_value(
            firm.product, firm.service, firm.personnel, firm.image, self.value_weights
        ) + self.random.gauss(0.0, behaviour.performance_noise)
        if firm.strategies:
            performance += firm.value_lift_for(self)  # a tailored offer fits better
        if self.random.random() < failure_probability(firm.service_failure_rate, firm.service):
            performance = self.suffer_service_failure(firm, performance)
        performance = clip(performance, 0.0, 1.0)
        latest = purchase_satisfaction(
            performance, self.expectation, behaviour.disconfirmation_weight
        )
        if self.purchases == 1:
            self.satisfaction = latest
        else:
            self.satisfaction = cumulative_satisfaction(
                self.satisfaction, latest, behaviour.satisfaction_memory
            )
        self.expectation = adapted_expectation(
            self.expectation, performance, behaviour.expectation_adaptation
        )
        self.add_grievance(
            ChurnReason.PRICING,
            pricing_grievance(price_paid, self.reference_price, self.price_weight),
        )
        self.add_grievance(
            ChurnReason.INCONVENIENCE,
            INCONVENIENCE_SCALE * inconvenience_grievance(firm.convenience, self.time_weight),
        )
        self.reference_price += REFERENCE_PRICE_ADAPTATION * (price_paid - self.reference_price)

    def suffer_service_failure(self, firm: Firm, performance: float) -> float:
        """A failure (core or encounter, Keaveney); a complaint; a recovery or not."""
        market = self.model
        behaviour = market.settings.behaviour
        core = self.random.random() < CORE_FAILURE_SHARE
        reason = ChurnReason.CORE_SERVICE_FAILURE if core else ChurnReason.SERVICE_ENCOUNTER_FAILURE
        severity = behaviour.failure_severity_core if core else behaviour.failure_severity_encounter
        complained = self.random.random() < behaviour.complaint_rate
        recovered = complained and self.random.random() < firm.recovery_quality
        if complained and firm.strategies:
            firm.complaint_received(self, self.books_for(firm))
        self.add_grievance(reason, RECOVERED_INCIDENT if recovered else 1.0)
        if complained and not recovered:
            self.add_grievance(ChurnReason.RESPONSE_TO_FAILURE, 1.0)
        market.log_service_event(self, firm, reason.value, complained, recovered)
        return performance_after_failure(
            performance, severity, complained, recovered, behaviour.recovery_bonus
        )

    # ------------------------------------------------------------------ 7. word of mouth
    def talk_to_contacts(self) -> None:
        """Promoters refer a friend to their supplier; detractors warn one."""
        market = self.model
        firm = self.supplier
        chance = referral_probability(self.satisfaction, self.referral_propensity)
        if chance and firm.strategies:
            chance = min(1.0, chance * firm.referral_boost_for(self))
        if self.random.random() < chance:
            friend = market.pick_contact(self)
            if friend is not None and friend.supplier is not firm:
                friend.receive_referral(self, firm)
        if self.random.random() < warning_probability(self.satisfaction, self.referral_propensity):
            friend = market.pick_contact(self)
            if friend is not None:
                friend.hear_warning(firm)
        if market.settings.behaviour.fairness_weight:
            self.compare_deals()

    def compare_deals(self) -> None:
        """Hear what a contact with the same supplier pays; mind it if it is less.

        The course's cross-elasticity: a customer reacts to another customer's better
        deal, strongly if price-sensitive (Xia, Monroe & Cox 2004).
        """
        firm = self.supplier
        friend = self.model.pick_contact(self)
        if friend is None or friend.supplier is not firm:
            return
        unfairness = price_unfairness(
            firm.price_for(self), firm.price_for(friend), self.price_weight
        )
        if unfairness > 0.0:
            weight = self.model.settings.behaviour.fairness_weight
            self.satisfaction = clip(self.satisfaction - weight * unfairness, 1.0, 5.0)
            self.add_grievance(ChurnReason.PRICING, unfairness)

    def hear_warning(self, firm: Firm) -> None:
        """A detractor warns this customer about ``firm``."""
        self.recent_warnings()[firm.index] += 1.0

    def recent_warnings(self) -> list[float]:
        """Warnings heard per firm, faded to this month (one fade per month)."""
        months = self.model.month - self.warnings_month
        if months:
            self.warnings_month = self.model.month
            if any(self.warnings):
                keep = self.model.settings.behaviour.grievance_decay**months
                self.warnings = [faded(w, keep) for w in self.warnings]
        return self.warnings

    def receive_referral(self, referrer: "Customer", firm: Firm) -> None:
        """A friend recommends their supplier: the customer now knows of it."""
        if firm.index in self.referrers:
            return
        self.referrers[firm.index] = referrer
        market = self.model
        if not self.aware[firm.index]:
            self.aware[firm.index] = True
        market.log_contact(self, firm, "referral")
        market.log_referral(referrer, self, firm, "referred")

    # ------------------------------------------------------------------ 8. relationship
    def update_relationship(self) -> None:
        """Trust follows satisfaction; the lifecycle stage follows trust and behaviour."""
        lifecycle = self.model.settings.lifecycle
        if self.supplier.strategies:
            drift = self.supplier.satisfaction_drift_for(self)
            self.satisfaction = clip(self.satisfaction + drift, 1.0, 5.0)
        self.strength = updated_strength(self.strength, self.satisfaction, self.learning_rate)
        stage = Stage(
            next_stage(
                self.stage,
                self.strength,
                self.purchases,
                self.tenure,
                self.months_since_purchase,
                lifecycle.formation_purchases,
                lifecycle.formation_strength,
                lifecycle.stability_strength,
                lifecycle.stability_tenure,
                lifecycle.decline_strength,
                lifecycle.decline_recency,
            )
        )
        if stage is not self.stage:
            self.model.log_stage(self, self.supplier, self.stage, stage, "relationship")
            self.stage = stage

    # ------------------------------------------------------------------ 9. defection
    def consider_leaving(self) -> None:
        """Leave with the monthly defection hazard (satisfaction-loyalty curve or fixed)."""
        defection = self.model.settings.defection
        if not defection.enabled:
            return
        if defection.model == "fixed":
            hazard = self.churn_probability
        else:
            hazard = self.model.defection_rule(
                self.satisfaction,
                self.supplier.bond_for(self),
                self.strength,
                defection.base_rate,
                defection.commitment_protection,
            )
        if self.random.random() < hazard:
            self.leave(self.reason_to_leave())

    def add_grievance(self, reason: ChurnReason, weight: float) -> None:
        """Remember an incident that could make the customer leave."""
        self.recent_grievances()[REASON_INDEX[reason]] += weight

    def recent_grievances(self) -> list[float]:
        """Grievances above the baseline, faded to this month (one fade per month)."""
        months = self.model.month - self.grievances_month
        if months:
            self.grievances_month = self.model.month
            if any(self.grievances):
                keep = self.model.settings.behaviour.grievance_decay**months
                self.grievances = [faded(g, keep) for g in self.grievances]
        return self.grievances

    def reason_to_leave(self) -> ChurnReason:
        """Draw the reason in proportion to Keaveney's baseline plus remembered grievances."""
        weights = [
            base + g for base, g in zip(BASELINE_GRIEVANCE, self.recent_grievances(), strict=True)
        ]
        return self.random.choices(REASONS, weights=weights)[0]

    # ------------------------------------------------------------------ joining and leaving
    def join(self, firm: Firm) -> None:
        """Become the firm's customer: a first purchase, a switch, or a win-back."""
        market = self.model
        if self.supplier is not None:
            self.leave(self.reason_to_leave(), switched_to=firm)
        won_back = firm is self.former_supplier
        if won_back:
            cause, stage = "won_back", Stage.FORMATION
        else:
            cause = "first_purchase" if self.stage is Stage.PROSPECT else "acquired"
            stage = Stage.EXPLORATION
        market.log_stage(self, firm, self.stage, stage, cause)
        self.stage = stage
        self.supplier = firm
        self.tenure = 0
        self.purchases = 0
        self.months_since_purchase = 0
        self.strength = 0.5
        self.satisfaction = 3.0
        self.margin_total = 0.0
        self.months_served = 0
        self.grievances = [0.0] * len(REASONS)
        self.books_for(
            firm, served=True
        ).acquisition_cost += market.settings.economics.acquisition_cost
        market.count_acquisition(firm, won_back)
        referrer = self.referrers.pop(firm.index, None)
        if referrer is not None:
            referrer.referral_credit[firm.index] += market.settings.economics.referral_value
            market.log_referral(referrer, self, firm, "converted")
            if firm.strategies:
                firm.referral_converted(self, self.books_for(firm))

    def leave(self, reason: ChurnReason, switched_to: Firm | None = None) -> None:
        """End the relationship with the current supplier, for a reason."""
        market = self.model
        firm = self.supplier
        if firm.strategies:
            firm.customer_leaves(self, self.books_for(firm))
        market.log_churn(self, firm, reason, switched_to)
        market.log_stage(self, firm, self.stage, Stage.CHURNED, reason.value)
        self.stage = Stage.CHURNED
        self.supplier = None
        self.former_supplier = firm
        self.lapsed_from = firm
        self.grievances = [0.0] * len(REASONS)

    # ------------------------------------------------------------------ economics
    def open_books(self) -> None:
        """Start the month: the current supplier serves the customer this month."""
        self._books = {}
        if self.supplier is not None:
            self.months_since_purchase += 1
            self.books_for(self.supplier, served=True)

    def books_for(self, firm: Firm, served: bool = False) -> MonthBooks:
        """This month's books with a firm (opened on first use)."""
        books = self._books.get(firm)
        if books is None:
            books = MonthBooks(tenure=self.tenure if firm is self.supplier else 0, served=served)
            self._books[firm] = books
        elif served:
            books.served = True
        return books

    def close_books(self) -> None:
        """Settle the month with each firm: costs, referrals, profit by source."""
        market = self.model
        economics = market.settings.economics
        if any(self.referral_credit):
            for firm in market.firms:
                if self.referral_credit[firm.index]:
                    self.books_for(firm)
        for firm, books in self._books.items():
            if books.served:
                new_cost = economics.cost_to_serve_new
                serve_cost = cost_to_serve(
                    books.tenure,
                    new_cost,
                    economics.cost_to_serve_floor,
                    economics.cost_to_serve_halflife_months,
                )
                retention_cost = economics.retention_cost + firm.retention_cost_for(self)
                if firm.strategies:
                    self.pay_fees(firm, books)
            else:
                new_cost = serve_cost = retention_cost = 0.0
            retention_cost += books.retention_cost
            referrals = self.referral_credit[firm.index]
            self.referral_credit[firm.index] = 0.0
            sources = profit_by_source(
                books.base_margin,
                books.extra_margin,
                books.premium_revenue,
                new_cost,
                serve_cost,
                referrals,
                books.acquisition_cost,
                retention_cost,
            )
            market.log_customer_month(self, firm, books, serve_cost, sources)
            if firm is self.supplier:
                self.margin_total += sources["profit"] + books.acquisition_cost
                self.months_served += 1
        if self.supplier is not None:
            self.tenure += 1

    def pay_fees(self, firm: Firm, books: MonthBooks) -> None:
        """Pay the month's fees (income to the firm, a price grievance to the customer)."""
        fee = firm.monthly_fee_for(self)
        if fee:
            books.revenue += fee
            books.base_margin += fee  # a fee has no cost of goods
            self.model.log_fee(self, firm, "monthly_fee", fee)
            self.add_grievance(ChurnReason.PRICING, fee / self.typical_spend)

    @property
    def typical_spend(self) -> float:
        """What a purchase usually costs this customer (to weigh fees against)."""
        return self.reference_price * max(self.items_rate, 1.0)

    @property
    def mean_margin(self) -> float:
        """Average monthly margin with the current supplier (acquisition cost excluded)."""
        return self.margin_total / self.months_served if self.months_served else 0.0


def _poisson(random, mean: float) -> int:
    """A Poisson draw from Python's generator (Knuth; normal approximation above 30)."""
    if mean <= 0.0:
        return 0
    if mean > 30.0:
        return max(0, round(random.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count = 0
    product = random.random()
    while product > limit:
        count += 1
        product *= random.random()
    return count
