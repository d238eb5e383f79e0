"""Strategies a firm applies: small policy objects, each with one job and its source.

A scenario composes them per firm under ``[firms.strategies.NAME]``; ``build`` turns
those settings into the policy objects the firm consults.
"""

from sim.section import Section
from sim.strategies.advertising_campaign import AdvertisingCampaign, AdvertisingCampaignSettings
from sim.strategies.base import Strategy
from sim.strategies.contract import Contract, ContractSettings
from sim.strategies.introductory_discount import (
    IntroductoryDiscount,
    IntroductoryDiscountSettings,
)
from sim.strategies.loyalty_programme import LoyaltyProgramme, LoyaltyProgrammeSettings
from sim.strategies.price_change import PriceChange, PriceChangeSettings
from sim.strategies.win_back import WinBack, WinBackSettings

#: Strategy name -> policy class, in the order a firm applies them.
STRATEGIES: dict[str, type[Strategy]] = {
    "advertising_campaign": AdvertisingCampaign,
    "introductory_discount": IntroductoryDiscount,
    "loyalty_programme": LoyaltyProgramme,
    "contract": Contract,
    "win_back": WinBack,
    "price_change": PriceChange,
}


class StrategySettings(Section):
    """A firm's strategies; a strategy left out is not used."""

    advertising_campaign: AdvertisingCampaignSettings | None = None
    introductory_discount: IntroductoryDiscountSettings | None = None
    loyalty_programme: LoyaltyProgrammeSettings | None = None
    contract: ContractSettings | None = None
    win_back: WinBackSettings | None = None
    price_change: PriceChangeSettings | None = None


def build(settings: StrategySettings) -> list[Strategy]:
    """The policy objects for a firm's strategy settings."""
    return [
        policy(getattr(settings, name))
        for name, policy in STRATEGIES.items()
        if getattr(settings, name) is not None
    ]


__all__ = ["STRATEGIES", "Strategy", "StrategySettings", "build"]
