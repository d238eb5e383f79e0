"""Exercises: every check passes the solution and fails the blank and the usual slips."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from sim.exercises import CHAPTERS, Exercise, judge
from sim.exercises.ch01 import judge_curve
from sim.exercises.student import BEGIN, student_notebook, student_source
from sim.rules.loyalty import defection_probability

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "exercises" / "solutions").glob("*.ipynb"))
QUESTIONS = [(chapter, name) for chapter in CHAPTERS for name in Exercise(chapter).questions]


@pytest.mark.parametrize(("chapter", "name"), QUESTIONS)
def test_each_question_passes_its_answer_and_names_each_slip(chapter, name):
    question = Exercise(chapter).questions[name]
    blank = judge(question, None)
    assert not blank and "not answered yet" in blank.message
    if question.judge is not None:
        return  # judged answers are tested below
    right = judge(question, question.expected())
    assert right and right.message.startswith("right")
    assert question.mistakes, "every question knows at least one plausible wrong answer"
    for mistake in question.mistakes:
        feedback = judge(question, mistake.answer())
        assert not feedback, f"{chapter} {name}: a slip is judged right"
        assert feedback.message == mistake.hint


def linear(satisfaction, bonds, commitment, base_rate, commitment_protection):
    return base_rate * (6.0 - satisfaction) / 2.0


def rising(satisfaction, bonds, commitment, base_rate, commitment_protection):
    return base_rate * satisfaction


def too_big(satisfaction, bonds, commitment, base_rate, commitment_protection):
    return 2.0 - satisfaction / 5.0


def one_argument(satisfaction):
    return 0.01


@pytest.mark.parametrize(
    ("curve", "hint"),
    [
        (linear, "too flat at the top"),
        (rising, "rises with satisfaction after 1"),
        (too_big, "between 0 and 1"),
        (one_argument, "must take the arguments"),
        (0.02, "hand in the function itself"),
    ],
)
def test_a_curve_of_ones_own_is_judged_on_its_shape(curve, hint):
    assert hint in judge_curve(curve)


def test_the_models_own_curve_passes():
    assert judge_curve(defection_probability) == ""


def test_feedback_is_kept_per_question_and_unknown_names_are_refused():
    exercise = Exercise("01")
    exercise.check("q1", 360.0)
    summary = exercise.summary().set_index("question")
    assert not summary.loc["q1", "correct"] and "discount" in summary.loc["q1", "feedback"]
    assert summary.loc["q2", "feedback"] == "not checked yet"
    with pytest.raises(ValueError, match="question = 'q9'"):
        exercise.check("q9", 1.0)
    with pytest.raises(ValueError, match="chapter = '07'"):
        Exercise("07")
    assert "wrong form" in exercise.check("q1", "three hundred").message


def test_student_blocks_keep_only_the_student_lines():
    source = "x = 1\n# BEGIN SOLUTION\n# STUDENT: y = ...\ny = x + 1\n# END SOLUTION\nprint(y)"
    assert student_source(source) == "x = 1\ny = ...\nprint(y)"
    with pytest.raises(ValueError, match="not closed"):
        student_source("# BEGIN SOLUTION\ny = 1")


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_student_notebooks_are_built_from_the_solutions_and_hold_no_answer(solution):
    notebook = nbformat.read(solution, as_version=4)
    student_file = ROOT / "exercises" / solution.name
    committed = nbformat.read(student_file, as_version=4)
    built = student_notebook(notebook)
    assert [c.source for c in committed.cells] == [c.source for c in built.cells], (
        "student notebook out of date: run make exercises"
    )
    assert BEGIN in solution.read_text(encoding="utf-8")
    assert "SOLUTION" not in student_file.read_text(encoding="utf-8")
    for cell in notebook.cells + committed.cells:
        assert cell.get("outputs", []) == [], "stored with outputs"


def run(notebook: nbformat.NotebookNode, folder: Path) -> list[str]:
    NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(folder)}}).execute()
    lines = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/plain", "")
            lines += [line for line in text.splitlines() if line[:1] in ("✓", "✗")]
    return lines


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_the_solution_passes_every_check_and_the_blank_fails_every_one(solution, tmp_path):
    chapter = solution.name[:2]
    count = len(Exercise(chapter).questions)
    solved = run(nbformat.read(solution, as_version=4), tmp_path)
    assert len(solved) == count and all(line.startswith("✓") for line in solved), solved
    blank = run(nbformat.read(ROOT / "exercises" / solution.name, as_version=4), tmp_path)
    assert len(blank) == count and all("not answered yet" in line for line in blank), blank
