"""Experiments: sweeps and replications of a scenario, resumable, local or on Dask.

An experiment is a scenario, a set of variants (the cartesian product of a grid of
override values, or named override tables), a number of replications and a master seed.
Every variant runs over the same replication seeds (common random numbers, as in
``sim.compare``), so its paired differences against the first variant are sharp.

Each run (one variant, one replication) is summarised by ``sim.compare.RUN_METRICS``
and written to its own Parquet file under ``FOLDER/runs/``, atomically: the file is
written under a temporary name in the same folder and then renamed. A file that exists
is therefore complete, which is what makes resuming safe: an interrupted experiment,
started again on the same folder, computes only the runs that have no file yet.
``FOLDER/manifest.json`` records the definition (scenario TOML, grid or variants, seeds,
the engine);
another definition in the same folder is refused with an error naming what differs, so
results of two experiments are never mixed. ``FOLDER/summary.parquet`` (and ``.csv``)
holds means with 95% confidence intervals per variant and metric, and paired
differences against the first variant.

Runs are spread over local processes by default, or over a Dask cluster
(``scheduler="tcp://..."`` or ``client=``). Results are written by the calling process
only, so workers need no shared file system, and the files are identical whichever way
the runs were computed.

Example:
    >>> experiment = Experiment.from_grid(
    ...     "baseline", {"firms.Focal.price": [18.0, 20.0, 22.0]}, replications=10, seed=7
    ... )
    >>> result = run_experiment(experiment, "out/price_sweep", workers=2)
    >>> result.sql('SELECT "firms.Focal.price", avg(profit) FROM runs GROUP BY 1')
"""

import contextlib
import itertools
import json
import multiprocessing
import os
import tomllib
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import threadpoolctl
from pydantic import Field, ValidationError, field_validator, model_validator
from tqdm.auto import tqdm

from sim.compare import (
    RUN_METRICS,
    build_variants,
    check_engine,
    flatten_overrides,
    replication_seeds,
    run_once,
    summarise_comparison,
)
from sim.errors import ExperimentError, ScenarioError
from sim.scenario import Scenario, _describe
from sim.section import FieldProblem, Section

if TYPE_CHECKING:
    from distributed import Client

#: Files in an experiment folder.
MANIFEST = "manifest.json"
RUNS = "runs"
SUMMARY = "summary"
#: Version of the folder layout, part of the manifest.
LAYOUT = 1
#: How long to wait for a Dask scheduler before giving up.
SCHEDULER_TIMEOUT = "10s"
#: Columns of every run file before the override and metric columns.
RUN_COLUMNS = {
    "variant_index": pa.int64(),
    "variant": pa.string(),
    "replication": pa.int64(),
    "seed": pa.int64(),
}

Task = tuple["Run", Scenario]


@dataclass(frozen=True)
class Run:
    """One variant x replication of an experiment: what it needs and where it lands."""

    variant_index: int
    variant: str
    replication: int
    seed: int

    @property
    def file_name(self) -> str:
        """Name of its Parquet file; indices, not names, so any variant name is safe."""
        return f"v{self.variant_index:04d}-r{self.replication:04d}.parquet"


@dataclass(frozen=True)
class Experiment:
    """A scenario, its variants, replications and a master seed: everything a sweep runs.

    Build one with ``from_grid``, ``from_variants`` or ``load`` (a TOML file). Every
    variant is validated on construction, so a typo stops the experiment before any run.

    Args:
        scenario: the scenario every variant starts from (or a preset name / TOML path).
        variants: name -> overrides, in order; the first is the reference of the paired
            differences.
        replications: runs per variant (at least 2, for a confidence interval).
        seed: master seed of the replication seeds, shared by all variants.
        name: the experiment's name: the CLI's output folder under ``--out``.
        grid: the grid the variants were made from, if any (kept in the manifest).
        engine: the engine of every run, "agents" or "vectorized" (``sim.model.ENGINES``);
            part of the manifest, so a folder is never resumed with the other engine.
    """

    scenario: Scenario
    variants: Mapping[str, Mapping[str, Any]]
    replications: int = 10
    seed: int = 0
    name: str = "experiment"
    grid: Mapping[str, Sequence[Any]] | None = None
    engine: str = "agents"
    _scenarios: dict[str, Scenario] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.scenario, Scenario):
            object.__setattr__(self, "scenario", Scenario.load(self.scenario))
        object.__setattr__(self, "variants", {k: dict(v) for k, v in self.variants.items()})
        if self.seed < 0:
            raise ScenarioError(f"seed = {self.seed}: must be a whole number >= 0")
        check_engine(self.engine)
        replication_seeds(self.seed, self.replications)
        Scenario.from_dict({"name": self.name}, source="experiment")  # a safe folder name
        object.__setattr__(self, "_scenarios", build_variants(self.scenario, self.variants))

    @classmethod
    def from_grid(
        cls,
        scenario: Scenario | str | Path,
        grid: Mapping[str, Sequence[Any]],
        replications: int = 10,
        seed: int = 0,
        name: str = "experiment",
        engine: str = "agents",
    ) -> Self:
        """Every combination of the grid's values is a variant, in the grid's order.

        ``{"firms.Focal.price": [18, 22], "behaviour.switching_cost": [0.0, 0.3]}`` gives
        four variants, named like ``firms.Focal.price=18, behaviour.switching_cost=0.0``.
        """
        if not grid:
            raise ScenarioError("grid: empty; give at least one override path and its values")
        for path, values in grid.items():
            if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
                raise ScenarioError(f"grid '{path}' = {values!r}: must be a non-empty list")
            repeated = [v for i, v in enumerate(values) if v in values[:i]]
            if repeated:
                raise ScenarioError(f"grid '{path}': value {repeated[0]!r} is repeated")
        variants = {}
        for combination in itertools.product(*grid.values()):
            overrides = dict(zip(grid, combination, strict=True))
            label = ", ".join(f"{k}={_text(v)}" for k, v in overrides.items())
            variants[label] = overrides
        grid = {path: list(values) for path, values in grid.items()}
        return cls(scenario, variants, replications, seed, name, grid, engine)

    @classmethod
    def from_variants(
        cls,
        scenario: Scenario | str | Path,
        variants: Mapping[str, Mapping[str, Any]],
        replications: int = 10,
        seed: int = 0,
        name: str = "experiment",
        engine: str = "agents",
    ) -> Self:
        """Named variants, each a table of overrides (``{}`` = the scenario as it is)."""
        return cls(scenario, variants, replications, seed, name, engine=engine)

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """An experiment from a TOML file (see ``examples/price_sweep.toml``).

        Raises:
            ScenarioError: one line naming the file, the field, the value and what is
                allowed.
        """
        path = Path(path)
        if not path.is_file():
            problem = "is not a file" if path.exists() else "does not exist"
            raise ScenarioError(f"experiment file '{path}' {problem}")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{path}: not valid TOML ({exc})") from None
        try:
            spec = ExperimentFile.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(_describe(exc, str(path), root=ExperimentFile)) from None
        source = spec.scenario
        if source.endswith(".toml") or "/" in source:
            source = str(path.parent / source)
        try:
            base = Scenario.load(source)
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: field 'scenario': {exc}") from None
        try:
            base = base.with_overrides(spec.overrides)
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: field 'overrides': {exc}") from None
        common = {"replications": spec.replications, "seed": spec.seed, "engine": spec.engine}
        common["name"] = spec.name or path.stem
        try:
            if spec.grid is not None:
                return cls.from_grid(base, spec.grid, **common)
            return cls.from_variants(base, spec.variants or {}, **common)
        except ScenarioError as exc:
            field_name = "grid" if spec.grid is not None else "variants"
            raise ScenarioError(f"{path}: field '{field_name}': {exc}") from None

    def seeds(self) -> list[int]:
        """The replication seeds: replication ``i`` uses ``seeds()[i]`` in every variant."""
        return replication_seeds(self.seed, self.replications)

    def runs(self) -> list[Run]:
        """Every run, variant by variant, replication by replication."""
        seeds = self.seeds()
        return [
            Run(index, name, replication, seed)
            for index, name in enumerate(self.variants)
            for replication, seed in enumerate(seeds)
        ]

    def variant_scenario(self, name: str) -> Scenario:
        """The validated scenario of one variant."""
        return self._scenarios[name]

    def manifest(self) -> dict[str, Any]:
        """The definition as plain JSON data: what a folder's results were made from."""
        return _plain(
            {
                "layout": LAYOUT,
                "name": self.name,
                "scenario": self.scenario.to_toml(),
                "grid": self.grid,
                "variants": [{"name": k, "overrides": v} for k, v in self.variants.items()],
                "replications": self.replications,
                "seed": self.seed,
                "seeds": self.seeds(),
                "engine": self.engine,
            }
        )


class ExperimentFile(Section):
    """The fields of an experiment TOML file; nested tables may stand for dotted paths."""

    name: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    scenario: Annotated[str, Field(min_length=1)]
    replications: Annotated[int, Field(ge=2, le=100_000)] = 10
    seed: Annotated[int, Field(ge=0)] = 0
    engine: Literal["agents", "vectorized"] = "agents"
    overrides: dict[str, Any] = Field(default_factory=dict)
    grid: Annotated[dict[str, list[Any]], Field(min_length=1)] | None = None
    variants: Annotated[dict[str, dict[str, Any]], Field(min_length=1)] | None = None

    @field_validator("overrides", "grid", mode="before")
    @classmethod
    def _dotted(cls, value: Any) -> Any:
        return flatten_overrides(value) if isinstance(value, dict) else value

    @field_validator("variants", mode="before")
    @classmethod
    def _dotted_variants(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {k: flatten_overrides(v) if isinstance(v, dict) else v for k, v in value.items()}

    @model_validator(mode="after")
    def _grid_or_variants(self) -> Self:
        if (self.grid is None) == (self.variants is None):
            raise FieldProblem(
                "grid",
                "give either a [grid] table (override path = list of values) or "
                "[variants.NAME] tables, exactly one of the two",
            )
        return self


@dataclass(frozen=True)
class ExperimentResult:
    """An experiment folder and how many runs the call that returned it computed.

    Attributes:
        folder: the experiment folder (manifest, ``runs/``, summary).
        executed: runs computed by this call; the others were already on disk.
    """

    folder: Path
    executed: int

    def connect(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB with views ``runs`` (one row per run) and ``summary``."""
        return connect(self.folder)

    def sql(self, query: str) -> pd.DataFrame:
        """Run SQL over the views ``runs`` and ``summary``; a DataFrame."""
        with self.connect() as con:
            return con.execute(query).df()

    def runs(self) -> pd.DataFrame:
        """One row per run: variant, replication, seed, overrides and RUN_METRICS."""
        return self.sql("SELECT * FROM runs ORDER BY variant_index, replication")

    def summary(self) -> pd.DataFrame:
        """Means and 95% CIs per variant and metric; paired differences vs the first."""
        return pd.read_parquet(self.folder / f"{SUMMARY}.parquet")


def connect(folder: str | Path) -> duckdb.DuckDBPyConnection:
    """DuckDB over an experiment folder: view ``runs`` reads every run file (a glob).

    The view reads the files as they are, so it also works while an experiment runs or
    after it was interrupted; ``summary`` exists once the experiment has finished.

    Raises:
        ExperimentError: the folder has no run file yet.
    """
    folder = Path(folder)
    if not any((folder / RUNS).glob("*.parquet")):
        raise ExperimentError(f"{folder}: no run files yet under {RUNS}/")
    con = duckdb.connect()
    pattern = _sql_text(str(folder / RUNS / "*.parquet"))
    con.execute(f"CREATE VIEW runs AS SELECT * FROM read_parquet({pattern})")
    summary = folder / f"{SUMMARY}.parquet"
    if summary.exists():
        con.execute(f"CREATE VIEW summary AS SELECT * FROM read_parquet({_sql_text(str(summary))})")
    return con


def run_experiment(
    experiment: Experiment,
    folder: str | Path,
    *,
    workers: int | None = None,
    client: "Client | None" = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> ExperimentResult:
    """Run the experiment's missing runs into ``folder``, then write its summary.

    Args:
        experiment: what to run.
        folder: the experiment folder; created if needed. A folder holding this
            experiment resumes; one holding another experiment is an error.
        workers: local processes (default: one per core); 1 runs in this process.
        client: a ``dask.distributed.Client`` to run on instead of local processes.
        scheduler: address of a Dask scheduler (``tcp://host:8786``) to connect to.
        progress: show a progress bar (runs done, time left).

    Raises:
        ExperimentError: the folder holds another experiment, or the scheduler cannot
            be reached; nothing is written then.
    """
    folder = Path(folder)
    if workers is not None and workers < 1:
        raise ExperimentError(f"workers = {workers}: must be at least 1")
    if sum(x is not None for x in (workers, client, scheduler)) > 1:
        raise ExperimentError("workers, client, scheduler: give at most one of them")
    manifest = experiment.manifest()
    _check_folder(folder, manifest)
    # The stack stops the pool's workers (or cancels Dask's futures) and closes our own
    # client on every exit: normal end, an error while writing, or Ctrl-C.
    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            client = _connect_scheduler(scheduler)
            stack.callback(client.close)
        runs_folder = _prepare_folder(folder, manifest)
        runs = experiment.runs()
        pending = [run for run in runs if not (runs_folder / run.file_name).exists()]
        tasks = [(run, experiment.variant_scenario(run.variant)) for run in pending]
        columns = _override_columns(experiment.variants)
        done = _start(tasks, experiment.engine, workers, client, stack)
        bar = stack.enter_context(
            tqdm(
                total=len(runs),
                initial=len(runs) - len(pending),
                unit="run",
                desc=experiment.name,
                disable=not progress,
            )
        )
        for run, summary in done:
            table = _run_table(run, summary, experiment.variants[run.variant], columns)
            _write_atomically(runs_folder / run.file_name, table)
            bar.update(1)
    result = ExperimentResult(folder, executed=len(pending))
    summary = _summarise(result.runs(), columns)
    _write_atomically(
        folder / f"{SUMMARY}.parquet", pa.Table.from_pandas(summary, preserve_index=False)
    )
    _write_text_atomically(folder / f"{SUMMARY}.csv", summary.to_csv(index=False))
    return result


# ---------------------------------------------------------------------- execution
def _start(
    tasks: list[Task],
    engine: str,
    workers: int | None,
    client: "Client | None",
    stack: contextlib.ExitStack,
) -> Iterator[tuple[Run, dict[str, float]]]:
    """Start the runs on Dask, a process pool or (one worker) here; results as they end."""
    if client is not None:
        return _on_dask(tasks, engine, client, stack)
    workers = min(workers or os.cpu_count() or 1, len(tasks))
    if workers > 1:
        return _on_processes(tasks, engine, workers, stack)
    return ((run, run_once(scenario, run.seed, engine)) for run, scenario in tasks)


def _on_processes(
    tasks: list[Task], engine: str, workers: int, stack: contextlib.ExitStack
) -> Iterator[tuple[Run, dict[str, float]]]:
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=_process_context(), initializer=_one_thread_each
    )
    stack.callback(pool.shutdown, wait=True, cancel_futures=True)
    futures = {pool.submit(run_once, scenario, run.seed, engine): run for run, scenario in tasks}
    return ((futures[f], f.result()) for f in as_completed(futures))


def _process_context() -> multiprocessing.context.BaseContext:
    """Workers come from a forkserver that has imported the model once, never a fork.

    Forking this process hangs a worker once OpenMP (libgomp, loaded with scikit-learn)
    has run here, a thread pool the child inherits only half of. The forkserver forks
    each worker from a clean process that has imported ``sim.experiments`` (the model's
    imports take seconds) but run nothing; it is started once per session. Where there
    is no forkserver (Windows), workers are spawned.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.experiments"])
    return context


def _one_thread_each() -> None:
    """One native thread per worker: the pool already fills the cores.

    BLAS and OpenMP pools sized for the whole machine in every worker make the workers
    fight over the cores (their idle threads spin) and a sweep run slower, not faster.
    Dask's workers do the same through OMP_NUM_THREADS=1.
    """
    threadpoolctl.threadpool_limits(limits=1)


def _on_dask(
    tasks: list[Task], engine: str, client: "Client", stack: contextlib.ExitStack
) -> Iterator[tuple[Run, dict[str, float]]]:
    from distributed import as_completed as dask_completed

    futures = {
        client.submit(run_once, scenario, run.seed, engine, pure=False): run
        for run, scenario in tasks
    }
    stack.callback(client.cancel, list(futures))
    return ((futures[f], f.result()) for f in dask_completed(list(futures), loop=client.loop))


def _connect_scheduler(address: str) -> "Client":
    from distributed import Client

    try:
        return Client(address, timeout=SCHEDULER_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ExperimentError(f"scheduler '{address}': cannot connect ({reason})") from None


# ---------------------------------------------------------------------- the folder
def _check_folder(folder: Path, manifest: dict[str, Any]) -> None:
    """Refuse a folder that is not a folder or holds another experiment's results."""
    if folder.exists() and not folder.is_dir():
        raise ExperimentError(f"output folder '{folder}' exists and is not a folder")
    stored_path = folder / MANIFEST
    if stored_path.exists():
        try:
            stored = json.loads(stored_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ExperimentError(f"{stored_path}: unreadable manifest ({exc})") from None
        stored_engine = stored.get("engine", "agents") if isinstance(stored, dict) else None
        if stored_engine is not None and stored_engine != manifest["engine"]:
            raise ExperimentError(
                f"{folder} holds runs of the {stored_engine!r} engine, not {manifest['engine']!r}; "
                f"resume it with engine {stored_engine!r} (crm-sim sweep --engine "
                f"{stored_engine}), or choose another output folder"
            )
        differences = _differences(stored, manifest)
        if differences:
            raise ExperimentError(
                f"{folder} holds another experiment ({'; '.join(differences)}); "
                "resume it with the same definition, or choose another output folder"
            )
    elif any((folder / RUNS).glob("*.parquet")):
        raise ExperimentError(f"{folder / RUNS} holds run files but {folder} has no {MANIFEST}")


def _prepare_folder(folder: Path, manifest: dict[str, Any]) -> Path:
    """Create the folder and its manifest; drop temporary files of a killed run."""
    runs_folder = folder / RUNS
    try:
        runs_folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExperimentError(f"cannot create folder '{runs_folder}' ({exc.strerror})") from None
    if not (folder / MANIFEST).exists():
        _write_text_atomically(folder / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    for stale in runs_folder.glob(".*.tmp"):
        stale.unlink(missing_ok=True)
    return runs_folder


def _differences(stored: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What differs between two manifests, field by field: ``path: stored X, now Y``."""
    changed = _leaf_differences(_comparable(stored), _comparable(current))
    if len(changed) > 4:
        changed = [*changed[:4], f"and {len(changed) - 4} more"]
    return changed


def _comparable(manifest: dict[str, Any]) -> dict[str, Any]:
    """A manifest with its scenario parsed and its variants by name, so diffs name fields."""
    manifest = {k: v for k, v in manifest.items() if k != "seeds"}  # seeds follow from seed
    manifest.setdefault("engine", "agents")  # folders from before the engine choice
    with contextlib.suppress(TypeError, tomllib.TOMLDecodeError):
        manifest["scenario"] = tomllib.loads(manifest["scenario"])
    variants = manifest.get("variants")
    if isinstance(variants, list) and all(isinstance(v, dict) for v in variants):
        manifest["variant order"] = [v.get("name") for v in variants]
        manifest["variants"] = {v.get("name"): v.get("overrides") for v in variants}
    return manifest


def _leaf_differences(old: Any, new: Any, path: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        keys = list(dict.fromkeys([*new, *old]))
        return [d for k in keys for d in _leaf_differences(old.get(k), new.get(k), f"{path}{k}.")]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        pairs = enumerate(zip(old, new, strict=True))
        return [d for i, (o, n) in pairs for d in _leaf_differences(o, n, f"{path}{i}.")]
    if old == new:
        return []
    return [f"{path.removesuffix('.')}: stored {_short(old)}, now {_short(new)}"]


def _short(value: Any) -> str:
    text = _text(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _write_atomically(path: Path, table: pa.Table) -> None:
    _replace_atomically(path, lambda temp: pq.write_table(table, temp))


def _write_text_atomically(path: Path, text: str) -> None:
    _replace_atomically(path, lambda temp: temp.write_text(text, encoding="utf-8"))


def _replace_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write under a temporary name in the same folder, then rename over ``path``.

    A rename within one file system is atomic, so readers (and a resume) see either no
    file or the whole file; on any error, even Ctrl-C, the temporary file is removed.
    """
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(temp)
        with temp.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------- tables
def _override_columns(variants: Mapping[str, Mapping[str, Any]]) -> dict[str, pa.DataType]:
    """One typed column per override path, so every run file has the same schema."""
    values: dict[str, list[Any]] = {}
    for overrides in variants.values():
        for path, value in overrides.items():
            values.setdefault(path, []).append(value)
    columns = {}
    for path, seen in values.items():
        if all(isinstance(v, bool) for v in seen):
            columns[path] = pa.bool_()
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in seen):
            columns[path] = pa.int64()
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in seen):
            columns[path] = pa.float64()
        else:
            columns[path] = pa.string()  # text, or JSON for tables and mixed values
    return columns


def _run_table(
    run: Run,
    summary: Mapping[str, float],
    overrides: Mapping[str, Any],
    columns: Mapping[str, pa.DataType],
) -> pa.Table:
    """The run's one-row table: who it is, its override values and its metrics."""
    row: dict[str, tuple[Any, pa.DataType]] = {
        "variant_index": (run.variant_index, RUN_COLUMNS["variant_index"]),
        "variant": (run.variant, RUN_COLUMNS["variant"]),
        "replication": (run.replication, RUN_COLUMNS["replication"]),
        "seed": (run.seed, RUN_COLUMNS["seed"]),
    }
    for path, kind in columns.items():
        value = overrides.get(path)
        if kind == pa.string() and value is not None and not isinstance(value, str):
            value = _text(value)
        elif kind == pa.float64() and value is not None:
            value = float(value)
        row[path] = (value, kind)
    for metric in RUN_METRICS:
        row[metric] = (summary[metric], pa.float64())
    return pa.table({name: pa.array([value], kind) for name, (value, kind) in row.items()})


def _summarise(runs: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """``summarise_comparison`` with each variant's override values beside its name."""
    summary = summarise_comparison(runs)
    overrides = runs[["variant", *columns]].drop_duplicates("variant")
    return overrides.merge(summary, on="variant", how="right")


def _plain(value: Any) -> Any:
    """JSON-ready data (dates as ISO text), identical after a write and a read."""
    return json.loads(json.dumps(value, default=str))


def _text(value: Any) -> str:
    return json.dumps(_plain(value))


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
