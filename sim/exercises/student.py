"""Build the student notebooks from the solution notebooks (``make exercises``).

In a solution notebook each answer sits between ``# BEGIN SOLUTION`` and
``# END SOLUTION``; lines inside it that start with ``# STUDENT:`` are what the student
gets instead (usually ``name = ...``). Everything else is kept, so the student notebook
asks the same questions, runs the same checks and gets "not answered yet" until the
blanks are filled. Solutions stay in ``exercises/solutions/``, out of any student copy.

Usage: python -m sim.exercises.student SOLUTIONS_FOLDER STUDENT_FOLDER
"""

import sys
from pathlib import Path

import nbformat

BEGIN, END, STUDENT = "# BEGIN SOLUTION", "# END SOLUTION", "# STUDENT:"


def student_source(source: str) -> str:
    """A cell's source with each solution block replaced by its student lines."""
    lines, inside, kept = source.splitlines(), False, []
    for line in lines:
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError("a solution block opens inside another")
            inside = True
        elif stripped == END:
            if not inside:
                raise ValueError("a solution block closes without opening")
            inside = False
        elif inside:
            if stripped.startswith(STUDENT):
                indent = line[: len(line) - len(line.lstrip())]
                kept.append(indent + stripped.removeprefix(STUDENT).strip())
        else:
            kept.append(line)
    if inside:
        raise ValueError("a solution block is not closed")
    return "\n".join(kept)


def student_notebook(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version of a solution notebook, without outputs."""
    notebook = nbformat.from_dict(solution)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = student_source(cell.source)
            cell.outputs = []
            cell.execution_count = None
    return notebook


def build(solutions: Path, students: Path) -> list[Path]:
    """Write the student version of every solution notebook; returns the files written."""
    students.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(solutions.glob("*.ipynb")):
        notebook = student_notebook(nbformat.read(path, as_version=4))
        target = students / path.name
        nbformat.write(notebook, target)
        written.append(target)
    return written


if __name__ == "__main__":
    for written in build(Path(sys.argv[1]), Path(sys.argv[2])):
        print(written)
