"""Analytical CRM: turn transactions into knowledge (RFM, CLV models, churn, baskets...).

Every tool takes plain pandas DataFrames, so it works on the simulated CRM database and
on real transaction data alike.
"""
