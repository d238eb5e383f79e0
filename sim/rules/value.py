"""Customer perceived value: what the customer gets minus what it costs them.

Total customer value (product, service, personnel, image; weighted by the customer's
needs segment) minus total customer cost (price relative to the customer's reference
price, time and effort, and the switching cost of leaving the current supplier).

References:
    Kotler, P. & Keller, K. L. Marketing Management: customer perceived value
    (total customer value - total customer cost).
    Kalyanaram, G. & Winer, R. S. (1995). Empirical generalizations from reference price
    research. Marketing Science 14(3), G161-G169.
    Burnham, T. A., Frels, J. K. & Mahajan, V. (2003). Consumer switching costs.
    Journal of the Academy of Marketing Science 31(2), 109-126.
"""

from sim.rules.ops import Number


def total_customer_value(
    product: Number,
    service: Number,
    personnel: Number,
    image: Number,
    weights: tuple[Number, Number, Number, Number],
) -> Number:
    """Weighted sum of the four value components (each on a 0-1 scale)."""
    w_product, w_service, w_personnel, w_image = weights
    return w_product * product + w_service * service + w_personnel * personnel + w_image * image


def total_customer_cost(
    price: Number,
    reference_price: Number,
    price_weight: Number,
    convenience: Number,
    time_weight: Number,
    switching_cost: Number,
) -> Number:
    """Monetary cost (price against the customer's reference price) plus time and effort.

    Price counts relative to what the customer expects to pay (the reference price):
    a price 10% above it costs ``0.1 * price_weight``, a price at it costs nothing extra,
    so a price-sensitive customer still buys the category but reacts strongly to price
    gaps. ``switching_cost`` is zero for the current supplier and for customers with none.
    """
    return (
        price_weight * (price / reference_price - 1.0)
        + time_weight * (1.0 - convenience)
        + switching_cost
    )


def perceived_value(value: Number, cost: Number, inertia: Number = 0.0) -> Number:
    """Customer perceived value plus the habit bonus (inertia) of the current supplier."""
    return value - cost + inertia
