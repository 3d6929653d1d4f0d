"""streamopt: ABR decision engine, trace-driven simulator and QoE evaluation.

Build controllers by name (``make_abr("robust_mpc", manifest, horizon=5)``),
drive them with ``on_download()`` / ``decide()``, simulate sessions over real
or synthetic traces (``simulate``), compare controllers (``evaluate``), and
write your own controller in Python by subclassing :class:`AbrController`:
it runs inside the C++ simulator and evaluation like the built-in ones.

The live path: congestion controllers by name (``make_cc("gcc",
profile="draft02")``) and the packet-level link simulator with the RFC 8867
cases (``run_cc_case("rfc8867-5.1", "nada")``).

With the codec component (``HAVE_CODECS``): ``encode_ladder``, ``encode_hull``,
``encode_live``, ``bd_rate`` and ``ladder_rate_psnr`` run real encoders.

The edge: bandwidth allocators by name (``make_allocator("maxmin")``) and the
multi-player edge simulator (``simulate_edge(trace, [manifest], "qoe_fair")``).
"""
from __future__ import annotations

import inspect
import os
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _streamopt
from ._streamopt import (  # noqa: F401  (re-exported API)
    HAVE_CODECS,
    NO_RUNG,
    Allocator,
    CongestionController,
    Controller,
    Decision,
    DownloadReport,
    Error,
    Manifest,
    PlayerState,
    Prediction,
    Predictor,
    Trace,
    __version__,
    abr_names,
    allocator_names,
    cc_case_names,
    cc_names,
    list_trace_files,
    load_trace,
    make_abr,
    make_allocator,
    make_cc,
    make_predictor,
    predictor_names,
    fetch_time_names,
    run_cc_case,
    run_cc_trace,
)

__all__ = [
    "AbrController", "Allocator", "CongestionController", "Controller", "Decision", "DownloadReport", "Error", "EvaluationTable", "Manifest",
    "HAVE_CODECS", "NO_RUNG", "PlayerState", "Prediction", "Predictor", "Trace", "abr_names", "cc_case_names", "cc_names", "evaluate", "list_trace_files",
    "load_trace", "make_abr", "make_cc", "make_predictor", "predictor_names", "fetch_time_names", "run_cc_case", "run_cc_trace",
    "simulate", "allocator_names", "make_allocator", "simulate_edge",
]


class AbrController:
    """Base class for ABR controllers written in Python.

    Override :meth:`decide` (return a :class:`Decision` or a rung index) and,
    as needed, :meth:`on_download` and :meth:`reset`. The simulator calls
    ``reset()`` at the start of every session, ``decide(state)`` before each
    segment and ``on_download(report)`` after it. Set the class attribute
    ``name`` to name it in tables (default: the class name). Exceptions raised
    here stop the simulation and come back as :class:`streamopt.Error`.
    """

    name: Optional[str] = None

    def __init__(self, manifest: Optional[Manifest] = None) -> None:
        self.manifest = manifest

    def on_download(self, report: DownloadReport) -> None:
        """Called after each segment with its download report."""

    def decide(self, state: PlayerState) -> Union[Decision, int]:
        """Returns the rung (or a Decision) for ``state.next_segment``."""
        raise NotImplementedError("AbrController subclasses must implement decide()")

    def reset(self) -> None:
        """Called at the start of every session."""


def _as_trace(trace: Union[Trace, str, os.PathLike]) -> Trace:
    return trace if isinstance(trace, Trace) else load_trace(os.fspath(trace))


def simulate(trace: Union[Trace, str, os.PathLike], manifest: Manifest,
             abr: Union[str, Controller, AbrController], mode: str = "default", qoe: str = "lin",
             **settings: Any) -> Dict[str, Any]:
    """Plays one session and returns its columns as numpy arrays.

    ``abr`` is a spec string (``"bola:variant=basic"``), a controller from
    :func:`make_abr`, or a Python :class:`AbrController`. ``mode`` is
    ``"pensieve"`` or ``"default"``; ``settings`` override the simulator
    (``rtt_s``, ``payload_fraction``, ``max_buffer_s``, ``startup_threshold_s``,
    ``segment_count``). The result maps ``segment, time_s, rung, bitrate_bps,
    buffer_s, rebuffer_s, size_bytes, download_time_s, sleep_s, delay_s, qoe,
    utility, rebuffer_penalty, smoothness_penalty`` to arrays and ``stats`` to
    the session statistics. The GIL is released while C++ runs.
    """
    return _streamopt._simulate(_as_trace(trace), manifest, abr, mode, qoe, settings)


def simulate_edge(trace: Union[Trace, str, os.PathLike], titles: Union[Manifest, Sequence[Manifest]],
                  allocator: str = "none", **config: Any) -> Dict[str, Any]:
    """Runs the multi-player edge simulator (docs/edge.md) and returns its result.

    Player slots share one bottleneck following ``trace`` (looped; scaled by
    ``capacity_scale``, 0 meaning ``sessions``); sessions play ``titles`` in
    turn under controller ``abr``, and ``allocator`` (a spec, see
    :func:`allocator_names`) caps and paces them every ``realloc_interval_s``.
    ``config`` sets the other fields of the C++ ``EdgeSimConfig`` by name
    (``sessions=10, abr="robust_mpc", qoe="lin", seed=1, priors=False,
    duration_s=600, phone_share=0.3, mean_watch_s, min_segments, mean_gap_s,
    first_arrival_spread_s, phone_max_height, phone_max_bitrate_bps,
    min_rtt_s, max_rtt_s, payload_fraction, sharing ("fluid" or "packet"),
    queue_limit_s, max_buffer_s,
    startup_threshold_s, realloc_interval_s, sample_interval_s,
    prior_window_s, prior_safety``); an unknown name raises
    :class:`streamopt.Error`. The result maps ``summary`` to a dict of the
    run's aggregates, ``sessions`` to one dict per finished session (with its
    ``stats``) and ``samples`` to the time series, one dict per point. The
    GIL is released while C++ runs.
    """
    if isinstance(titles, Manifest):
        titles = [titles]
    return _streamopt._simulate_edge(_as_trace(trace), list(titles), allocator, **config)


class EvaluationTable(list):
    """The rows of an evaluation (one dict per algorithm and trace set).

    ``sessions`` holds per-session statistics, ``markdown`` the table as the CLI
    prints it; :meth:`write` saves the CLI's result files, :meth:`to_dataframe`
    gives a pandas DataFrame.
    """

    def __init__(self, rows: List[dict], sessions: List[dict], markdown: str, result: Any) -> None:
        super().__init__(rows)
        self.sessions = sessions
        self.markdown = markdown
        self._result = result

    def to_dataframe(self):
        """The rows as a pandas DataFrame (needs pandas)."""
        try:
            import pandas  # type: ignore
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise ImportError("EvaluationTable.to_dataframe() needs pandas; the rows are plain dicts") from e
        return pandas.DataFrame(list(self))

    def write(self, out_dir: Union[str, os.PathLike], per_session: bool = False) -> None:
        """Writes table.md, results.csv, results.json (logs with logs=True, sessions.csv with
        per_session=True) to out_dir, all or nothing, as ``streamopt evaluate --out`` does."""
        self._result.write(os.fspath(out_dir), per_session)


def _trace_sets(traces: Any) -> List[Tuple[str, List[Trace]]]:
    def load_many(item: Any) -> List[Trace]:
        if isinstance(item, Trace):
            return [item]
        if isinstance(item, (str, os.PathLike)):
            return [load_trace(os.fspath(p)) for p in list_trace_files(os.fspath(item))]
        return [_as_trace(t) for t in item]

    if isinstance(traces, Mapping):
        return [(str(name), load_many(item)) for name, item in traces.items()]
    if isinstance(traces, (str, os.PathLike)):
        return [(os.path.basename(os.path.normpath(os.fspath(traces))), load_many(traces))]
    return [("traces", load_many(traces))]


def _python_factory(item: Any) -> Tuple[str, Callable[[Manifest], Any]]:
    if isinstance(item, tuple) and len(item) == 2 and callable(item[1]):
        return str(item[0]), item[1]
    if inspect.isclass(item):
        name = getattr(item, "name", None) or item.__name__
        try:
            takes_manifest = len(inspect.signature(item).parameters) >= 1
        except (TypeError, ValueError):
            takes_manifest = False
        return name, (lambda m, cls=item: cls(m)) if takes_manifest else (lambda m, cls=item: cls())
    raise TypeError(f"cannot evaluate {item!r}: give a spec string, an AbrController subclass, "
                    "or a (name, factory) pair where factory(manifest) returns a controller")


def evaluate(traces: Any, manifest: Manifest, abrs: Iterable[Any], mode: str = "default", qoe: str = "lin",
             threads: int = 0, logs: bool = False, **settings: Any) -> EvaluationTable:
    """Runs every controller on every trace, in parallel, and returns the table.

    ``traces``: a directory, a list of traces or paths, or a dict mapping set
    names to those. ``abrs``: spec strings (``"oracle"`` adds the offline
    optimum), :class:`AbrController` subclasses (instantiated per session, with
    the manifest if their constructor takes one), or ``(name, factory)`` pairs.
    Python controllers run under the GIL, one call at a time. With
    ``logs=True`` per-session records are kept for :meth:`EvaluationTable.write`.
    """
    specs: List[str] = []
    factories: List[Tuple[str, Callable[[Manifest], Any]]] = []
    for item in abrs:
        if isinstance(item, str):
            specs.append(item)
        else:
            name, factory = _python_factory(item)
            specs.append(name)
            factories.append((name, factory))
    rows, sessions, markdown, result = _streamopt._evaluate(
        _trace_sets(traces), manifest, specs, factories, mode, qoe, threads, settings, logs)
    return EvaluationTable(rows, sessions, markdown, result)

if HAVE_CODECS:
    from ._streamopt import bd_rate, encode_hull, encode_ladder, encode_live, ladder_rate_psnr  # noqa: F401

    __all__ += ["bd_rate", "encode_hull", "encode_ladder", "encode_live", "ladder_rate_psnr"]
