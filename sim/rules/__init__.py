"""Decision rules: small pure functions, one module per textbook idea.

Each rule works on a Python float (the agent engine, one customer at a time) and on a
NumPy array (a vectorized engine, all customers at once) and gives the same numbers.
Rules import nothing else from the project.
"""
