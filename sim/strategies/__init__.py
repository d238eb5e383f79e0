"""Strategies a firm applies: small policy objects, each with one job and its source.

A scenario composes them per firm under ``[firms.strategies.NAME]``; ``build`` turns
those settings into the policy objects the firm consults.
"""

from typing import Self

from pydantic import model_validator

from sim.section import FieldProblem, Section
from sim.strategies.advertising_campaign import AdvertisingCampaign, AdvertisingCampaignSettings
from sim.strategies.base import Strategy
from sim.strategies.contract import Contract, ContractSettings
from sim.strategies.cross_sell import CrossSell, CrossSellSettings
from sim.strategies.customization import Customization, CustomizationSettings
from sim.strategies.early_warning import EarlyWarning, EarlyWarningSettings
from sim.strategies.introductory_discount import (
    IntroductoryDiscount,
    IntroductoryDiscountSettings,
)
from sim.strategies.loyalty_discount import LoyaltyDiscount, LoyaltyDiscountSettings
from sim.strategies.loyalty_programme import LoyaltyProgramme, LoyaltyProgrammeSettings
from sim.strategies.price_change import PriceChange, PriceChangeSettings
from sim.strategies.pruning_fee import PruningFee, PruningFeeSettings
from sim.strategies.referral_reward import ReferralReward, ReferralRewardSettings
from sim.strategies.relationship_managers import (
    RelationshipManagers,
    RelationshipManagersSettings,
)
from sim.strategies.segmentation import (
    SEGMENT_LABELS,
    TIERED,
    Segmentation,
    SegmentationSettings,
)
from sim.strategies.service_recovery import ServiceRecovery, ServiceRecoverySettings
from sim.strategies.tiered_pricing import TieredPricing, TieredPricingSettings
from sim.strategies.win_back import WinBack, WinBackSettings

#: Strategy name -> policy class, in the order a firm applies them.
STRATEGIES: dict[str, type[Strategy]] = {
    "segmentation": Segmentation,
    "advertising_campaign": AdvertisingCampaign,
    "introductory_discount": IntroductoryDiscount,
    "referral_reward": ReferralReward,
    "loyalty_programme": LoyaltyProgramme,
    "contract": Contract,
    "service_recovery": ServiceRecovery,
    "early_warning": EarlyWarning,
    "win_back": WinBack,
    "cross_sell": CrossSell,
    "relationship_managers": RelationshipManagers,
    "customization": Customization,
    "pruning_fee": PruningFee,
    "tiered_pricing": TieredPricing,
    "loyalty_discount": LoyaltyDiscount,
    "price_change": PriceChange,
}

#: Strategies that act on pyramid tiers, so they need a pyramid segmentation.
NEEDS_PYRAMID = ("relationship_managers", "pruning_fee", "tiered_pricing")


class StrategySettings(Section):
    """A firm's strategies; a strategy left out is not used."""

    segmentation: SegmentationSettings | None = None
    advertising_campaign: AdvertisingCampaignSettings | None = None
    introductory_discount: IntroductoryDiscountSettings | None = None
    referral_reward: ReferralRewardSettings | None = None
    loyalty_programme: LoyaltyProgrammeSettings | None = None
    contract: ContractSettings | None = None
    service_recovery: ServiceRecoverySettings | None = None
    early_warning: EarlyWarningSettings | None = None
    win_back: WinBackSettings | None = None
    cross_sell: CrossSellSettings | None = None
    relationship_managers: RelationshipManagersSettings | None = None
    customization: CustomizationSettings | None = None
    pruning_fee: PruningFeeSettings | None = None
    tiered_pricing: TieredPricingSettings | None = None
    loyalty_discount: LoyaltyDiscountSettings | None = None
    price_change: PriceChangeSettings | None = None

    @model_validator(mode="after")
    def _tiers_need_a_pyramid(self) -> Self:
        for name in NEEDS_PYRAMID:
            if getattr(self, name) is not None and (
                self.segmentation is None or self.segmentation.kind not in TIERED
            ):
                raise FieldProblem(
                    name,
                    "targets pyramid tiers: also set [firms.strategies.segmentation] "
                    f"with kind in {list(TIERED)}",
                )
        if self.customization is not None and self.customization.tiers is not None:
            if self.segmentation is None or self.segmentation.kind not in TIERED:
                raise FieldProblem(
                    "customization.tiers",
                    "targets pyramid tiers: also set [firms.strategies.segmentation] "
                    f"with kind in {list(TIERED)}, or leave tiers out to customize for all",
                )
        if self.cross_sell is not None and self.cross_sell.segments is not None:
            self._check_segments(self.cross_sell.segments)
        return self

    def _check_segments(self, segments: list[str]) -> None:
        """Segment labels a strategy targets must be ones the segmentation gives."""
        if self.segmentation is None:
            raise FieldProblem(
                "cross_sell.segments",
                "targets segments: also set [firms.strategies.segmentation], "
                "or leave segments out to call every customer",
            )
        allowed = SEGMENT_LABELS.get(self.segmentation.kind)
        unknown = [s for s in segments if allowed is not None and s not in allowed]
        if unknown:
            raise FieldProblem(
                "cross_sell.segments",
                f"{unknown} are not labels of a {self.segmentation.kind!r} segmentation; "
                f"allowed: {list(allowed)}",
            )


def build(settings: StrategySettings) -> list[Strategy]:
    """The policy objects for a firm's strategy settings."""
    return [
        policy(getattr(settings, name))
        for name, policy in STRATEGIES.items()
        if getattr(settings, name) is not None
    ]


__all__ = ["STRATEGIES", "Strategy", "StrategySettings", "build"]
