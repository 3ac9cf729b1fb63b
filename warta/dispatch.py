"""Nightly jobs on Scrapyd nodes: hand a source's crawl to a node and follow it there.

`warta scheduler --nodes URL,URL…` runs `run_node_job` instead of a local crawl
subprocess (warta/scheduler.py). One job:

1. claims attempt 1 of this firing in the dispatch ledger (storage/dispatches.py);
2. picks a node that is up and not busy (warta/nodes.py) and schedules
   `scrapy crawl SOURCE` there, with the crawl's settings as `setting=NAME=VALUE`
   (the same `crawl_setting_values` a local crawl uses) plus WARTA_NODE and
   WARTA_JOB; a node that fails at dispatch is skipped for the next. A node that
   answers that the spider (or the project) is not deployed there is not asked
   again: when no node has it, the job fails at once with one line saying so
   (docs/deploy.md), instead of waiting out its time limit;
3. follows the job through `listjobs.json` until it finishes, then stamps the
   run it recorded with the node and job (`warta runs` shows them);
4. at the time limit cancels it (`cancel.json`: SIGINT, then SIGKILL).

A node lost with the job (unreachable for longer than the grace period, or the
job gone from its listjobs.json) means the job re-runs on another node exactly
once: attempt 2 is claimed in the ledger, and only one claim can succeed,
whichever watcher or restarted daemon tries. If the lost job's crawl had in
fact recorded a finished run, nothing re-runs. A run refused because the
outlet's lock is still held (a dead node's Redis lock lives until its TTL) is
tried again after `lock_wait` seconds, within the same attempt.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from storage.archive import Archive
from storage.core import utc_now
from storage.dispatches import Dispatch, DispatchLedger
from warta.nodes import Node, NodeError, NodePicker, NotDeployed, parse_nodes

log = logging.getLogger("warta.scheduler")

FINISHED = ("ok", "degraded")  # a run that did the night's work: no re-run
REFUSED = "refused"
RECORD_WAIT = 60.0  # seconds a finished job's run may take to show as ended in the archive
INTERRUPT_GRACE = 30.0  # seconds a cancelled job gets to close before it is killed


@dataclass(frozen=True)
class NodeJobSpec:
    """Everything a node job needs; stored with the APScheduler job (plain values)."""

    db_path: str
    jobs_path: str
    nodes: str  # URL,URL… as given to --nodes
    sources_path: str | None = None
    replica_url: str | None = None
    time_limit: float = 4 * 3600
    settings: tuple[tuple[str, str], ...] = ()
    capacity: int = 0  # 0: the default (warta.nodes.DEFAULT_CAPACITY)
    poll: float = 5.0  # seconds between two looks at a job
    grace: float = 60.0  # seconds a node may be unreachable before its job counts as lost
    lock_wait: float = 130.0  # seconds before a run refused by a held lock is tried again

    def as_args(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class NodeJobs:
    """This daemon's node jobs: the shared pickers, and the stop request."""

    pickers: dict[str, NodePicker] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    accepting: bool = True
    cancel_now: threading.Event = field(default_factory=threading.Event)
    active: int = 0  # jobs being dispatched or followed now

    def picker(self, spec: NodeJobSpec) -> NodePicker:
        with self.lock:
            if spec.nodes not in self.pickers:
                nodes = parse_nodes(spec.nodes, capacity=spec.capacity)
                self.pickers[spec.nodes] = NodePicker(nodes)
            return self.pickers[spec.nodes]

    def stop_all(self, grace: float) -> None:
        """No new dispatches; jobs running get `grace` seconds, then are cancelled."""
        with self.lock:
            self.accepting = False
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and self._busy():
            time.sleep(0.2)
        self.cancel_now.set()

    def _busy(self) -> bool:
        with self.lock:
            return self.active > 0

    @contextmanager
    def following(self) -> Iterator[bool]:
        """Count a job as followed while inside; yields False if the daemon is stopping."""
        with self.lock:
            accepted = self.accepting
            self.active += accepted
        if not accepted:
            yield False
            return
        try:
            yield True
        finally:
            with self.lock:
                self.active -= 1


NODE_JOBS = NodeJobs()


class Outcome:
    DONE = "done"
    LOST = "lost"
    FAILED = "failed"
    REFUSED = "refused"


def new_job_id() -> str:
    return uuid.uuid4().hex


def run_node_job(source_id: str, spec_args: dict[str, Any]) -> None:
    """The scheduled job over nodes: this firing's crawl of the source, on some node."""
    spec = NodeJobSpec(**{**spec_args, "settings": tuple(map(tuple, spec_args["settings"]))})
    with NODE_JOBS.following() as accepted:
        if not accepted:
            log.info("not dispatching %s: the scheduler is stopping", source_id)
            return
        ledger = DispatchLedger(spec.jobs_path)
        night = utc_now() + "/" + new_job_id()[:8]  # this firing; unique even within a second
        dispatch = ledger.claim(source_id, night, 1, new_job_id())
        assert dispatch is not None  # a fresh night cannot be taken yet
        carry_out(dispatch, spec, ledger, deadline=time.monotonic() + spec.time_limit)


def resume_open(spec: NodeJobSpec) -> list[threading.Thread]:
    """After a restart: follow again every job the ledger says a node still has."""
    ledger = DispatchLedger(spec.jobs_path)
    threads = []
    for dispatch in ledger.open():
        thread = threading.Thread(
            target=_resume, args=(dispatch, spec, ledger), name=f"resume {dispatch.job}"
        )
        thread.start()
        threads.append(thread)
    return threads


def _resume(dispatch: Dispatch, spec: NodeJobSpec, ledger: DispatchLedger) -> None:
    with NODE_JOBS.following() as accepted:
        if accepted:
            _follow_again(dispatch, spec, ledger)


def _follow_again(dispatch: Dispatch, spec: NodeJobSpec, ledger: DispatchLedger) -> None:
    log.info("following %s of %s again on %s", dispatch.job, dispatch.source, dispatch.node)
    deadline = time.monotonic() + spec.time_limit  # its start is unknown here: a full limit
    if dispatch.node_url is None:  # the daemon died between claiming and scheduling
        carry_out(dispatch, spec, ledger, deadline)
        return
    node = Node.parse(dispatch.node_url, capacity=spec.capacity)
    outcome = follow(dispatch, node, dispatch.node or node.name, spec, ledger, deadline)
    _after(outcome, dispatch, node.name, spec, ledger, deadline)


def carry_out(
    dispatch: Dispatch, spec: NodeJobSpec, ledger: DispatchLedger, deadline: float
) -> None:
    """Dispatch this attempt, follow it; if its node is lost, the one re-run."""
    outcome, node_name = dispatch_and_follow(dispatch, spec, ledger, deadline, exclude=())
    _after(outcome, dispatch, node_name, spec, ledger, deadline)


def _after(
    outcome: str,
    dispatch: Dispatch,
    node_name: str | None,
    spec: NodeJobSpec,
    ledger: DispatchLedger,
    deadline: float,
) -> None:
    if outcome != Outcome.LOST:
        return
    if dispatch.attempt >= 2:
        log.error("re-run of %s lost with its node too: not run again", dispatch.source)
        return
    second = ledger.claim(dispatch.source, dispatch.night, 2, new_job_id())
    if second is None:
        log.info("%s of %s was already re-dispatched", dispatch.night, dispatch.source)
        return
    log.warning("re-running %s (lost on %s) on another node", dispatch.source, node_name)
    exclude = (node_name,) if node_name else ()
    outcome, _ = dispatch_and_follow(second, spec, ledger, deadline, exclude=exclude)
    if outcome == Outcome.LOST:
        log.error("re-run of %s lost with its node too: not run again", dispatch.source)


def dispatch_and_follow(
    dispatch: Dispatch,
    spec: NodeJobSpec,
    ledger: DispatchLedger,
    deadline: float,
    exclude: tuple[str, ...],
) -> tuple[str, str | None]:
    """Schedule the attempt on a node and follow it; (outcome, node name).

    A run refused by the outlet's lock is scheduled again after `lock_wait`.
    """
    while True:
        placed = place(dispatch, spec, ledger, deadline, exclude)
        if placed is None:
            return Outcome.FAILED, None
        node, node_name = placed
        outcome = follow(dispatch, node, node_name, spec, ledger, deadline)
        if outcome != Outcome.REFUSED:
            return outcome, node.name
        wait = min(spec.lock_wait, max(0.0, deadline - time.monotonic()))
        log.info("%s refused (its lock is held): trying again in %.0f s", dispatch.source, wait)
        if NODE_JOBS.cancel_now.wait(wait) or time.monotonic() >= deadline:
            ledger.end(dispatch.id, "failed", "refused: the outlet's lock stayed held")
            return Outcome.FAILED, node.name
        dispatch.job = new_job_id()


def place(
    dispatch: Dispatch,
    spec: NodeJobSpec,
    ledger: DispatchLedger,
    deadline: float,
    exclude: tuple[str, ...],
) -> tuple[Node, str] | None:
    """Schedule the attempt on the best node now; wait for one while all are down/busy.

    A node that refuses because the spider (or the project) is not deployed there is
    not asked again for this attempt; once every node has refused so, the job fails at
    once: that is a deployment to fix, not a node to wait for."""
    picker = NODE_JOBS.picker(spec)
    failed_here: list[str] = list(exclude)
    lacking: dict[str, str] = {}  # node name -> its refusal (the spider is not there)
    try:
        settings = crawl_settings_for(dispatch.source, spec)
    except ValueError as exc:  # the replica's clock cannot be read, say
        _not_placed(dispatch, spec, ledger, str(exc))
        return None
    while True:
        with picker.lock:  # pick and schedule together: the next pick sees this job queued
            node = picker.pick(exclude=[*failed_here, *lacking])
            node_name = _try_schedule(node, dispatch, settings, lacking)
            if node is not None and node_name is not None:
                at = dispatch.dispatched_at
                ledger.placed(dispatch.id, node_name, node.url, dispatch.job, at)
                dispatch.node, dispatch.node_url = node_name, node.url
                log.info("%s dispatched to %s as job %s", dispatch.source, node_name, dispatch.job)
                return node, node_name
        if len(lacking) >= len(picker.nodes):
            _not_placed(dispatch, spec, ledger, not_deployed(dispatch.source, lacking))
            return None
        if node is not None:  # it would not take the job: try the next node now
            if node.name not in lacking:
                failed_here.append(node.name)
            continue
        reasons = "; ".join([*picker.problems.values(), *lacking.values()])
        reasons = reasons or "every node excluded"
        if time.monotonic() >= deadline or NODE_JOBS.cancel_now.is_set():
            _not_placed(dispatch, spec, ledger, f"no node could take the job: {reasons}")
            return None
        if len(set(failed_here) | set(lacking)) >= len(picker.nodes):
            # A node that failed may be back: ask them all again. The node a re-run was
            # lost on stays out while another may take it, not for ever (one node left).
            others = {n.name for n in picker.nodes} - set(exclude) - set(lacking)
            failed_here = list(exclude) if others else []
        log.info("%s waits for a node: %s", dispatch.source, reasons)
        NODE_JOBS.cancel_now.wait(spec.poll)


def _try_schedule(
    node: Node | None, dispatch: Dispatch, settings: dict[str, str], lacking: dict[str, str]
) -> str | None:
    """`_schedule_on` the node picked, if any; a node without the spider joins `lacking`."""
    if node is None:
        return None
    try:
        return _schedule_on(node, dispatch, settings)
    except NotDeployed as exc:
        lacking[node.name] = str(exc)
        log.warning("%s; trying another node for %s", exc, dispatch.source)
        return None


def not_deployed(source: str, lacking: dict[str, str]) -> str:
    """The one line for a job no node can run: which nodes, what they said, what to do."""
    nodes = ", ".join(sorted(lacking))
    said = "; ".join(lacking[name] for name in sorted(lacking))
    return (
        f"no node can run spider {source!r} (not deployed on {nodes}: {said}); "
        "give every node the warta project and the scheduler's sources file "
        "(WARTA_SOURCES in the node's environment), then restart its Scrapyd: "
        "docs/deploy.md, Scrapyd nodes"
    )


def _schedule_on(node: Node, dispatch: Dispatch, settings: dict[str, str]) -> str | None:
    """Queue the job on this node; the node's name, or None (logged) if it would not.
    NotDeployed (the node lacks the spider or the project) is raised: not worth waiting."""
    try:
        node_name = node.status().name
    except NodeError as exc:
        log.warning("%s: skipping it for %s", exc, dispatch.source)
        return None
    # Before the call: the crawl may record its run start before schedule.json returns.
    dispatch.dispatched_at = utc_now()
    values = {**settings, "WARTA_NODE": node_name, "WARTA_JOB": dispatch.job}
    try:
        node.schedule(dispatch.source, job=dispatch.job, settings=values)
    except NotDeployed:
        raise  # refused outright: nothing was queued
    except NodeError as exc:
        if not _queued_anyway(node, dispatch.job):
            log.warning("%s: skipping it for %s", exc, dispatch.source)
            return None
    return node_name


def _not_placed(
    dispatch: Dispatch, spec: NodeJobSpec, ledger: DispatchLedger, message: str
) -> None:
    log.error("%s: %s", dispatch.source, message)
    _record_failed(dispatch, spec, message)
    ledger.end(dispatch.id, "failed", message)


def _queued_anyway(node: Node, job: str) -> bool:
    """Whether a schedule.json call that failed (timed out, say) queued the job all the
    same; if the node cannot say, the job is cancelled there, best effort."""
    try:
        if node.job_state(job) is not None:
            return True
    except NodeError:
        pass
    _try_cancel(node, job, "INT")
    return False


def crawl_settings_for(source: str, spec: NodeJobSpec) -> dict[str, str]:
    """The crawl's settings for `scrapy crawl` on a node, as a local crawl has them
    (WARTA_NODE and WARTA_JOB are added per dispatch)."""
    from warta.crawling import CrawlOptions, crawl_setting_values

    given = dict(spec.settings)
    options = CrawlOptions(
        sources=[source],
        db_path=spec.db_path,
        sources_path=spec.sources_path,
        replica_url=spec.replica_url,
        verbose=True,  # the node's job log is where an operator reads what happened
        settings=given,
    )
    values = crawl_setting_values(options)
    if "WARTA_REDIS_URL" in given:  # a node that writes through Redis opens no archive
        values.pop("WARTA_DB", None)
    return {name: str(value) for name, value in values.items()}


def follow(
    dispatch: Dispatch,
    node: Node,
    node_name: str,
    spec: NodeJobSpec,
    ledger: DispatchLedger,
    deadline: float,
) -> str:
    """Poll the job until it ends; end its ledger row; the outcome."""
    last_seen = time.monotonic()
    while True:
        if time.monotonic() >= deadline or NODE_JOBS.cancel_now.is_set():
            return _cancel(dispatch, node, node_name, spec, ledger)
        try:
            state = node.job_state(dispatch.job)
        except NodeError as exc:
            if time.monotonic() - last_seen > spec.grace:
                return _lost(dispatch, node_name, spec, ledger, f"{exc} for {spec.grace:.0f} s")
            NODE_JOBS.cancel_now.wait(min(spec.poll, 1.0))
            continue
        if state in ("pending", "running"):
            last_seen = time.monotonic()
            NODE_JOBS.cancel_now.wait(spec.poll)
            continue
        if state is None:
            return _lost(dispatch, node_name, spec, ledger, f"job gone from node {node_name}")
        return _finished(dispatch, node, node_name, spec, ledger)


def _finished(
    dispatch: Dispatch, node: Node, node_name: str, spec: NodeJobSpec, ledger: DispatchLedger
) -> str:
    run = _wait_for_run(dispatch, spec)
    if run is not None and run["status"] == REFUSED:
        _stamp(dispatch, spec, run["id"], node_name)
        return Outcome.REFUSED
    if run is None or run["status"] == "running":
        log_url = node.log_url(dispatch.source, dispatch.job)
        message = f"job ended without finishing its run; log {log_url}"
        _record_failed(dispatch, spec, message)
        ledger.end(dispatch.id, "failed", message)
        log.error("%s on %s: %s", dispatch.source, node_name, message)
        return Outcome.FAILED
    _stamp(dispatch, spec, run["id"], node_name)
    ledger.end(dispatch.id, "done", run["status"])
    log.info("%s ended on %s: %s", dispatch.source, node_name, run["status"])
    return Outcome.DONE


def _lost(
    dispatch: Dispatch, node_name: str, spec: NodeJobSpec, ledger: DispatchLedger, why: str
) -> str:
    """The node lost the job: done if its crawl had finished its run, else lost."""
    dispatch.node = dispatch.node or node_name
    run = _run_of(dispatch, spec)
    if run is not None and run["status"] in FINISHED:
        _stamp(dispatch, spec, run["id"], node_name)
        ledger.end(dispatch.id, "done", f"{run['status']} ({why}, after the run ended)")
        return Outcome.DONE
    if run is not None and run["status"] == REFUSED:
        _stamp(dispatch, spec, run["id"], node_name)
        return Outcome.REFUSED
    message = f"lost with node {node_name}: {why}"
    _record_failed(dispatch, spec, message)
    ledger.end(dispatch.id, "lost", message)
    log.warning("%s: %s", dispatch.source, message)
    return Outcome.LOST


def _cancel(
    dispatch: Dispatch, node: Node, node_name: str, spec: NodeJobSpec, ledger: DispatchLedger
) -> str:
    """Past its limit (or the daemon stops): SIGINT, then SIGKILL; the run is failed."""
    stopping = NODE_JOBS.cancel_now.is_set()
    reason = (
        "interrupted: the scheduler stopped"
        if stopping
        else f"crawl exceeded its wall-clock limit of {spec.time_limit:.0f} s and was cancelled"
    )
    _try_cancel(node, dispatch.job, "INT")
    end = time.monotonic() + INTERRUPT_GRACE
    while time.monotonic() < end:
        try:
            if node.job_state(dispatch.job) not in ("pending", "running"):
                break
        except NodeError:
            break
        time.sleep(0.5)
    else:
        _try_cancel(node, dispatch.job, "KILL")
    _record_failed(dispatch, spec, reason)
    ledger.end(dispatch.id, "failed", reason)
    log.error("%s on %s: %s", dispatch.source, node_name, reason)
    return Outcome.FAILED


def _try_cancel(node: Node, job: str, signal_name: str) -> None:
    try:
        node.cancel(job, signal_name)
    except NodeError as exc:
        log.warning("cannot cancel %s: %s", job, exc)


def _wait_for_run(dispatch: Dispatch, spec: NodeJobSpec) -> dict[str, Any] | None:
    """The job's run once it shows as ended (a writer may record it a little later)."""
    end = time.monotonic() + RECORD_WAIT
    while True:
        run = _run_of(dispatch, spec)
        if run is not None and run["status"] != "running":
            return run
        if time.monotonic() >= end:
            return run
        time.sleep(0.5)


def _run_of(dispatch: Dispatch, spec: NodeJobSpec) -> dict[str, Any] | None:
    with Archive(spec.db_path, readonly=True) as archive:
        return archive.runs.of_job(dispatch.source, dispatch.job, dispatch.dispatched_at)


def _stamp(dispatch: Dispatch, spec: NodeJobSpec, run_id: int, node_name: str) -> None:
    with Archive(spec.db_path) as archive:
        archive.runs.place(run_id, node_name, dispatch.job)


def _record_failed(dispatch: Dispatch, spec: NodeJobSpec, reason: str) -> None:
    with Archive(spec.db_path) as archive:
        archive.runs.record_job_failed(
            dispatch.source, dispatch.node, dispatch.job, dispatch.dispatched_at, reason
        )
