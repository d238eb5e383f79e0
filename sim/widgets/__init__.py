"""ipywidgets dashboards for class: controls and figures over the tested library.

No model logic lives here: a dashboard builds a Scenario, calls ``sim`` and shows what
comes back. ``Dashboard("classroom")`` is the classroom dashboard (``make dashboard``
serves it with Voila).
"""

from sim.widgets.dashboard import Dashboard, RunResult

__all__ = ["Dashboard", "RunResult"]
