"""Exercises with automatic feedback: each question knows its answer and the usual slips.

A student notebook computes an answer and hands it to ``check``::

    from sim.exercises import Exercise
    exercise = Exercise("01")
    exercise.check("q1", clv)

Feedback comes at once, in plain JupyterLab: a tick, or what is wrong with the answer
(a hint, not the answer). The right answer is computed by the library itself, so a
question can never disagree with the tested code; a known slip (forgetting to discount,
counting the wrong year...) is recognised by computing the answer that slip gives, and
named. Questions live in one module per chapter (``sim.exercises.ch01`` ...).
"""

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Chapters that have exercises, and their module names.
CHAPTERS = {f"{n:02d}": f"ch{n:02d}" for n in range(1, 7)}


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong answer (computed, as a student would get it) and its hint."""

    answer: Callable[[], Any]
    hint: str


@dataclass(frozen=True)
class Question:
    """One question: its right answer, how answers are compared, the known slips.

    ``judge``, when given, replaces comparison with ``expected``: it returns "" for a
    right answer or a hint (for answers that are functions or strategy designs).
    """

    name: str
    topic: str
    expected: Callable[[], Any] | None = None
    matches: Callable[[Any, Any], bool] | None = None
    mistakes: tuple[Mistake, ...] = ()
    hint: str = "not yet: check each step against the text above the question"
    judge: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer; shown as one line in a notebook."""

    question: str
    correct: bool
    message: str

    def __str__(self) -> str:
        mark = "✓" if self.correct else "✗"
        return f"{mark} {self.question}: {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = "#1b7837" if self.correct else "#b2182b"
        return f'<p style="color:{colour}"><b>{self}</b></p>'

    def __bool__(self) -> bool:
        return self.correct


@dataclass
class Exercise:
    """A chapter's questions and the feedback given so far."""

    chapter: str
    questions: dict[str, Question] = field(init=False)
    results: dict[str, Feedback] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.chapter not in CHAPTERS:
            raise ValueError(f"chapter = {self.chapter!r}: no exercises; allowed: {list(CHAPTERS)}")
        module = importlib.import_module(f"sim.exercises.{CHAPTERS[self.chapter]}")
        self.questions = {q.name: q for q in module.QUESTIONS}

    def check(self, name: str, answer: Any) -> Feedback:
        """Judge an answer to question ``name``; remember and return the feedback."""
        if name not in self.questions:
            raise ValueError(f"question = {name!r}: allowed {list(self.questions)}")
        feedback = judge(self.questions[name], answer)
        self.results[name] = feedback
        return feedback

    def summary(self) -> pd.DataFrame:
        """One row per question: answered, correct, the last feedback."""
        rows = []
        for name, question in self.questions.items():
            result = self.results.get(name)
            rows.append(
                {
                    "question": name,
                    "topic": question.topic,
                    "correct": result is not None and result.correct,
                    "feedback": "not checked yet" if result is None else result.message,
                }
            )
        return pd.DataFrame(rows)


def judge(question: Question, answer: Any) -> Feedback:
    """The feedback for one answer: right, a known slip, or a general hint."""
    if answer is None or answer is Ellipsis:
        return Feedback(question.name, False, "not answered yet: replace the ... or None")
    if question.judge is not None:
        problem = question.judge(answer)
        return Feedback(question.name, not problem, problem or f"right: {question.topic}")
    expected = question.expected()
    try:
        if question.matches(answer, expected):
            return Feedback(question.name, True, f"right: {question.topic}")
        for mistake in question.mistakes:
            if question.matches(answer, mistake.answer()):
                return Feedback(question.name, False, mistake.hint)
    except (TypeError, ValueError, KeyError) as exc:
        return Feedback(question.name, False, f"this answer has the wrong form ({exc})")
    return Feedback(question.name, False, question.hint)


# ---------------------------------------------------------------- ways to compare
def close(rel: float = 1e-3, abs_tol: float = 1e-9) -> Callable[[Any, Any], bool]:
    """Numbers (or sequences of numbers) equal to a relative tolerance."""

    def matches(answer: Any, expected: Any) -> bool:
        if isinstance(answer, bool) or isinstance(answer, str):
            raise TypeError("expected a number")
        a = np.asarray(answer, dtype=float).ravel()
        b = np.asarray(expected, dtype=float).ravel()
        if a.shape != b.shape:
            raise ValueError(f"expected {b.size} number(s), got {a.size}")
        return bool(
            all(math.isclose(x, y, rel_tol=rel, abs_tol=abs_tol) for x, y in zip(a, b, strict=True))
        )

    return matches


def same_table(rel: float = 1e-6) -> Callable[[Any, Any], bool]:
    """Tables with the same rows and columns and values equal to a relative tolerance."""

    def matches(answer: Any, expected: pd.DataFrame) -> bool:
        if not isinstance(answer, pd.DataFrame | pd.Series):
            raise TypeError("expected a pandas table")
        answer = pd.DataFrame(answer)
        expected = pd.DataFrame(expected)
        if answer.shape != expected.shape:
            return False
        try:
            pd.testing.assert_frame_equal(
                answer, expected, check_dtype=False, check_names=False, rtol=rel
            )
        except AssertionError:
            return False
        return True

    return matches


def equal(answer: Any, expected: Any) -> bool:
    """Exactly the expected value (a word, a yes/no)."""
    if type(answer) is not type(expected):
        raise TypeError(f"expected {type(expected).__name__}, got {type(answer).__name__}")
    return answer == expected
