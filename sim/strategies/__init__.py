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
from sim.strategies.segmentation import Segmentation, SegmentationSettings
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
    "relationship_managers": RelationshipManagers,
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
    relationship_managers: RelationshipManagersSettings | None = None
    pruning_fee: PruningFeeSettings | None = None
    tiered_pricing: TieredPricingSettings | None = None
    loyalty_discount: LoyaltyDiscountSettings | None = None
    price_change: PriceChangeSettings | None = None

    @model_validator(mode="after")
    def _tiers_need_a_pyramid(self) -> Self:
        for name in NEEDS_PYRAMID:
            if getattr(self, name) is not None and (
                self.segmentation is None or self.segmentation.kind != "pyramid"
            ):
                raise FieldProblem(
                    name,
                    "targets pyramid tiers: also set [firms.strategies.segmentation] "
                    'with kind = "pyramid"',
                )
        return self


def build(settings: StrategySettings) -> list[Strategy]:
    """The policy objects for a firm's strategy settings."""
    return [
        policy(getattr(settings, name))
        for name, policy in STRATEGIES.items()
        if getattr(settings, name) is not None
    ]


__all__ = ["STRATEGIES", "Strategy", "StrategySettings", "build"]
