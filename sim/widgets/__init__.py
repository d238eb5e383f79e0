"""ipywidgets dashboards for class: controls and figures over the tested library.

No model logic lives here: a dashboard builds a Scenario, calls ``sim`` and shows what
comes back. ``Dashboard("classroom")`` is the classroom dashboard (``make dashboard``
serves it with Voila). ``TournamentPanel("class/")`` is the instructor's page for a
classroom tournament (``sim.classroom``).
"""

from sim.widgets.dashboard import Dashboard, RunResult
from sim.widgets.tournament import TournamentPanel

__all__ = ["Dashboard", "RunResult", "TournamentPanel"]
